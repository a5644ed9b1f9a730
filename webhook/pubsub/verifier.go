package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"google.golang.org/api/idtoken"
	"google.golang.org/api/option"

	"github.com/ucsp/integration/webhook"
)

// DefaultReplayTTL is how long Middleware remembers a message id when
// Options.ReplayTTL is zero: the lifetime of a Google ID token (1 hour),
// during which a captured push could be replayed, plus a margin.
const DefaultReplayTTL = time.Hour + 5*time.Minute

// keyFetchTimeout bounds a fetch of Google's keys by the default client.
const keyFetchTimeout = 10 * time.Second

// Options configures a Verifier.
type Options struct {
	// Audience is the audience the push subscription puts in its tokens
	// (by default the push endpoint's URL). Required.
	Audience string
	// ServiceAccount is the email of the service account the push
	// subscription authenticates as. Required.
	ServiceAccount string
	// HTTPClient fetches Google's public keys (cached as long as Google's
	// Cache-Control allows). Default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// MaxBodyBytes limits the body Middleware reads (default
	// webhook.DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Replay, if set, makes Middleware serve each message of a
	// subscription once: a message id it has seen within ReplayTTL is
	// acknowledged (204) without calling the next handler.
	Replay webhook.ReplayStore
	// ReplayTTL is how long a message id is remembered (default
	// DefaultReplayTTL).
	ReplayTTL time.Duration
	// Now is the clock a token's expiry is checked against (default
	// time.Now). idtoken checks it against time.Now as well.
	Now func() time.Time
	// Logger receives a line per rejected request, without tokens or
	// bodies (default slog.Default()).
	Logger *slog.Logger
}

// Verifier verifies Pub/Sub push requests. It is safe for concurrent use.
type Verifier struct {
	validator      *idtoken.Validator
	audience       string
	serviceAccount string
	maxBody        int64
	replay         webhook.ReplayStore
	replayTTL      time.Duration
	now            func() time.Time
	logger         *slog.Logger
}

// New returns a Verifier, or an error naming the option that is invalid.
// It fetches nothing: Google's keys are fetched on first use.
func New(ctx context.Context, opts Options) (*Verifier, error) {
	if opts.Audience == "" {
		return nil, errors.New("pubsub: Options.Audience is empty")
	}
	if opts.ServiceAccount == "" || !strings.Contains(opts.ServiceAccount, "@") {
		return nil, fmt.Errorf("pubsub: Options.ServiceAccount %q is not an email address", opts.ServiceAccount)
	}
	v := &Verifier{
		audience:       opts.Audience,
		serviceAccount: opts.ServiceAccount,
		maxBody:        opts.MaxBodyBytes,
		replay:         opts.Replay,
		replayTTL:      opts.ReplayTTL,
		now:            opts.Now,
		logger:         opts.Logger,
	}
	switch {
	case v.maxBody < 0:
		return nil, fmt.Errorf("pubsub: Options.MaxBodyBytes %d is negative", v.maxBody)
	case v.maxBody == 0:
		v.maxBody = webhook.DefaultMaxBodyBytes
	}
	switch {
	case v.replayTTL < 0:
		return nil, fmt.Errorf("pubsub: Options.ReplayTTL %v is negative", v.replayTTL)
	case v.replayTTL == 0:
		v.replayTTL = DefaultReplayTTL
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.logger == nil {
		v.logger = slog.Default()
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: keyFetchTimeout}
	}
	validator, err := idtoken.NewValidator(ctx, option.WithHTTPClient(keyClient(hc)))
	if err != nil {
		return nil, fmt.Errorf("pubsub: %w", err)
	}
	v.validator = validator
	return v, nil
}

// VerifyAuthorization verifies the value of a push request's
// Authorization header, "Bearer <token>", as VerifyToken does. An absent
// header or another scheme is webhook.ErrMissingHeaders.
func (v *Verifier) VerifyAuthorization(ctx context.Context, header string) (*Claims, error) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("%w: Authorization: Bearer", webhook.ErrMissingHeaders)
	}
	return v.VerifyToken(ctx, strings.TrimSpace(token))
}

// VerifyRequest verifies r's token, then reads (up to MaxBodyBytes, or
// webhook.ErrBodyTooLarge) and decodes its body. The body of a request
// whose token fails is not read. r's body is consumed.
func (v *Verifier) VerifyRequest(r *http.Request) (*Push, *Claims, error) {
	claims, err := v.VerifyAuthorization(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		return nil, nil, err
	}
	body, err := webhook.ReadBody(r, v.maxBody)
	if err != nil {
		return nil, nil, err
	}
	push, err := DecodePush(body)
	if err != nil {
		return nil, nil, err
	}
	return push, claims, nil
}
