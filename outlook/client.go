package outlook

import (
	"net/http"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/authentication"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	textser "github.com/microsoft/kiota-serialization-text-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/subscriptions"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// sdkVersion is the msgraph-sdk-go version in go.mod, for Graph's
// telemetry header.
const sdkVersion = "1.89.0"

// meToken is how msgraph-sdk-go addresses /me: a /users/{id} path that
// the URL replace middleware rewrites to /me.
const meToken = "me-token-to-replace"

// newAdapter builds the SDK's request adapter for cfg: msgraph-sdk-go's
// default middleware (Graph telemetry, /me rewriting, kiota's retry and
// redirect handlers) with the retry handler set from cfg and without the
// request compression handler, over authTransport and limitTransport, with bearer tokens from
// cfg.TokenSource and cfg.Endpoint as base URL.
//
// It uses msgraph-sdk-go-core's adapter and the users and
// subscriptions request builders rather than the root msgraph package:
// msgraph.NewGraphServiceClient links every Graph API package, doubling
// the compile time for nothing this connector calls.
func newAdapter(cfg Config) (*core.GraphRequestAdapterBase, error) {
	base := http.DefaultTransport
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc.Timeout = cfg.HTTPClient.Timeout
		if cfg.HTTPClient.Transport != nil {
			base = cfg.HTTPClient.Transport
		}
	}
	limited := &limitTransport{base: base, sem: make(semaphore, cfg.MaxConcurrency), limiter: cfg.Limiter, mailbox: cfg.Email}
	opts := core.GraphClientOptions{GraphServiceLibraryVersion: sdkVersion}
	var mws []khttp.Middleware
	for _, m := range core.GetDefaultMiddlewaresWithOptions(&opts) {
		switch m.(type) {
		case *khttp.RetryHandler:
			mws = append(mws, khttp.NewRetryHandlerWithOptions(retryOptions(cfg.MaxRetries)))
		case *khttp.CompressionHandler:
			// Left out: it gzips request bodies in place, and kiota
			// orders its middleware by map iteration, so a retried
			// POST was sometimes sent with a consumed gzip body
			// (TestRetrySendOnlyThrottled). Bodies here are small.
		default:
			mws = append(mws, m)
		}
	}
	hc.Transport = khttp.NewCustomTransportWithParentTransport(&authTransport{base: limited, src: cfg.TokenSource}, mws...)
	tp, err := NewAccessTokenProvider(cfg.TokenSource)
	if err != nil {
		return nil, err
	}
	auth := authentication.NewBaseBearerTokenAuthenticationProvider(tp)
	adapter, err := core.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, opts, parsers(), writers(), &hc)
	if err != nil {
		return nil, err
	}
	adapter.SetBaseUrl(cfg.Endpoint)
	return adapter, nil
}

// retryOptions configures kiota's retry handler: maxRetries retries of
// a 429, 503 or 504 after the server's Retry-After (none when
// negative), and for the sending calls (POST sendMail, reply) only of a
// 429, where Graph refused the call before doing anything: after a 503
// or 504 the outcome of a send is unknown, and the caller asks FindSent
// before sending again.
func retryOptions(maxRetries int) khttp.RetryHandlerOptions {
	return khttp.RetryHandlerOptions{
		MaxRetries:   max(maxRetries, 1),
		DelaySeconds: 1,
		ShouldRetry: func(_ time.Duration, _ int, req *http.Request, resp *http.Response) bool {
			if maxRetries < 0 {
				return false
			}
			if req.Method == http.MethodPost && isSend(req.URL.Path) {
				return resp.StatusCode == http.StatusTooManyRequests
			}
			return true
		},
	}
}

// parsers returns the adapter's own parse node factories (JSON, text):
// msgraph.NewGraphServiceClient would register them in kiota's global
// registries instead.
func parsers() *absser.ParseNodeFactoryRegistry {
	r := absser.NewParseNodeFactoryRegistry()
	r.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonParseNodeFactory()
	r.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextParseNodeFactory()
	return r
}

// writers returns the adapter's own serialization writer factories.
func writers() *absser.SerializationWriterFactoryRegistry {
	r := absser.NewSerializationWriterFactoryRegistry()
	r.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonSerializationWriterFactory()
	r.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextSerializationWriterFactory()
	return r
}

// errorMapping maps every error status to the SDK's ODataError.
var errorMapping = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// me returns the request builder of /me.
func (c *Connector) me() *users.UserItemRequestBuilder { return meOn(c.adapter) }

// meOn returns the request builder of /me on adapter.
func meOn(adapter abs.RequestAdapter) *users.UserItemRequestBuilder {
	return users.NewUserItemRequestBuilderInternal(map[string]string{"user%2Did": meToken}, adapter)
}

// subs returns the request builder of /subscriptions.
func (c *Connector) subs() *subscriptions.SubscriptionsRequestBuilder {
	return subscriptions.NewSubscriptionsRequestBuilderInternal(map[string]string{}, c.adapter)
}

// isSend reports whether path is a sending call (sendMail, reply,
// replyAll, forward, send).
func isSend(path string) bool {
	for _, s := range []string{"/sendMail", "/reply", "/replyAll", "/forward", "/send"} {
		if strings.HasSuffix(path, s) {
			return true
		}
	}
	return false
}
