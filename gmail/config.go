package gmail

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/settings"
)

// The defaults of Config.
const (
	// DefaultEndpoint is the Gmail API's base URL.
	DefaultEndpoint = "https://gmail.googleapis.com/"
	// DefaultLabel is the label synced when Config.Label is empty.
	DefaultLabel = "INBOX"
	// AllMail as Config.Label syncs every message except drafts, chats,
	// spam and trash.
	AllMail = "*"
	// DefaultBatchSize is how many messages a sync batch holds at most.
	DefaultBatchSize = 100
	// MaxBatchSize is the largest BatchSize: messages.list's maxResults
	// limit.
	MaxBatchSize = 500
	// DefaultConcurrency is how many messages.get calls a sync has in
	// flight at once.
	DefaultConcurrency = 10
	// DefaultMaxRetries is how many times a throttled or failed call is
	// retried.
	DefaultMaxRetries = 5
	// DefaultRetryBase and DefaultRetryMax bound the exponential backoff
	// between retries, as Google recommends (1 s, doubling, at most 32 s).
	DefaultRetryBase = time.Second
	DefaultRetryMax  = 32 * time.Second
)

// Config configures a Connector. The zero value of each optional field
// means its documented default; New validates it.
type Config struct {
	// Email is the mailbox's address. Required. It keys the quota,
	// names the mailbox in logs, and Test checks that the token is
	// this mailbox's.
	Email string
	// TokenSource gives OAuth 2.0 access tokens with a Gmail scope.
	// Required. Build it with TokenSource (this package) so that a
	// token the API rejects early is refreshed once and every new token
	// is saved; any oauth2.TokenSource works.
	TokenSource oauth2.TokenSource
	// HTTPClient carries the requests; nil means a client on
	// http.DefaultTransport. Its Transport is wrapped to add the bearer
	// token; its Timeout, if any, bounds each call. Share one among the
	// connectors of a process: Google speaks HTTP/2, so one connection
	// carries every concurrent call; over HTTP/1.1 (a proxy, a fake) give
	// a Transport whose MaxIdleConnsPerHost is at least Concurrency.
	HTTPClient *http.Client
	// Endpoint is the API's base URL; "" means DefaultEndpoint. Tests
	// point it at a gmailtest.Server.
	Endpoint string

	// Label is the id of the label synced ("INBOX", "Label_12"); ""
	// means DefaultLabel, AllMail every message but drafts, chats, spam
	// and trash.
	Label string
	// Query is a Gmail search (e.g. "-category:promotions") that narrows
	// the full sync's messages.list. Incremental syncs cannot apply it:
	// history.list has no search, so mail added later is filtered by
	// Label only.
	Query string
	// IncludeSpamTrash syncs messages in spam and trash too.
	IncludeSpamTrash bool

	// BatchSize is the most messages per sync batch (and per
	// messages.list page); 0 means DefaultBatchSize, at most
	// MaxBatchSize.
	BatchSize int
	// Concurrency is how many messages.get calls are in flight at once
	// during a sync; 0 means DefaultConcurrency.
	Concurrency int
	// MaxAttachmentContent is the largest attachment whose content a
	// synced Message carries (mime.ParseOptions); 0 means the parser's
	// default (1 MiB). FetchAttachment reads the others.
	MaxAttachmentContent int64

	// Quota, when set, admits every call under the user's quota before
	// it is made (see Quota).
	Quota Quota
	// MaxRetries is how many times a call throttled (429, 403
	// rateLimitExceeded/userRateLimitExceeded) or failed (5xx, network)
	// is retried with exponential backoff and jitter; 0 means
	// DefaultMaxRetries, a negative number none.
	MaxRetries int
	// RetryBase is the first backoff, doubled on each retry up to
	// RetryMax; a Retry-After from the server is honoured when longer.
	// 0 means DefaultRetryBase and DefaultRetryMax.
	RetryBase, RetryMax time.Duration

	// Logger receives the connector's logs; nil means slog.Default().
	Logger *slog.Logger
}

// ConfigError lists what is wrong with a Config, field by field: a
// connector.ValidationError, so an ErrPermanent error, whose fields are
// named as in Config, or as in the JSON settings when Factory reports it.
type ConfigError = connector.ValidationError

// configContext begins a ConfigError's text.
const configContext = "gmail: invalid config"

// resolve validates c and fills in the defaults. Field names in errors
// are the Config field names.
func (c Config) resolve() (Config, error) { return c.check(true) }

// resolveAPI is resolve for calls that name no mailbox (Whose): Email
// is not required.
func (c Config) resolveAPI() (Config, error) { return c.check(false) }

func (c Config) check(mailbox bool) (Config, error) {
	e := ConfigError{Context: configContext}
	if mailbox {
		settings.Address(&e, "Email", &c.Email)
	}
	if c.TokenSource == nil {
		e.Addf("TokenSource", "is required")
	}
	if settings.URL(&e, "Endpoint", &c.Endpoint, DefaultEndpoint) && !strings.HasSuffix(c.Endpoint, "/") {
		c.Endpoint += "/"
	}
	if c.Label == "" {
		c.Label = DefaultLabel
	} else if strings.ContainsAny(c.Label, " \t\r\n,") {
		e.Addf("Label", "must be one label id, got %q", c.Label)
	}
	if strings.ContainsAny(c.Query, "\r\n") {
		e.Addf("Query", "must not contain line breaks")
	}
	settings.Default(&e, "BatchSize", &c.BatchSize, DefaultBatchSize)
	if c.BatchSize > MaxBatchSize {
		e.Addf("BatchSize", "must be at most %d, got %d", MaxBatchSize, c.BatchSize)
	}
	settings.Default(&e, "Concurrency", &c.Concurrency, DefaultConcurrency)
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	switch {
	case c.RetryBase < 0 || c.RetryMax < 0:
		e.Addf("RetryBase", "and RetryMax must not be negative")
	case c.RetryBase == 0 && c.RetryMax == 0:
		c.RetryBase, c.RetryMax = DefaultRetryBase, DefaultRetryMax
	case c.RetryBase == 0:
		c.RetryBase = min(DefaultRetryBase, c.RetryMax)
	case c.RetryMax == 0:
		c.RetryMax = max(DefaultRetryMax, c.RetryBase)
	case c.RetryMax < c.RetryBase:
		e.Addf("RetryMax", "must not be less than RetryBase")
	}
	if c.MaxAttachmentContent < 0 {
		c.MaxAttachmentContent = -1
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if len(e.Fields) > 0 {
		return c, &e
	}
	return c, nil
}
