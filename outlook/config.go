package outlook

import (
	"fmt"
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
	// DefaultEndpoint is Microsoft Graph v1.0's base URL.
	DefaultEndpoint = "https://graph.microsoft.com/v1.0"
	// DefaultFolder is the folder synced when Config.Folders is empty:
	// the inbox, by its well-known name.
	DefaultFolder = "inbox"
	// DefaultBatchSize is the delta page size (Prefer:
	// odata.maxpagesize), and so the most messages per sync batch.
	DefaultBatchSize = 50
	// MaxBatchSize is the largest BatchSize: Graph pages mail at most
	// 1,000 items.
	MaxBatchSize = 1000
	// DefaultMaxConcurrency is Graph's limit of concurrent requests per
	// app per mailbox.
	DefaultMaxConcurrency = 4
	// DefaultMaxRetries is how many times kiota's retry handler retries
	// a 429, 503 or 504, honouring Retry-After.
	DefaultMaxRetries = 3
	// DefaultSubscriptionLifetime is how long a new or renewed
	// subscription is asked to last: Graph's maximum for messages,
	// 10,080 minutes, less a margin for clock skew.
	DefaultSubscriptionLifetime = 10080*time.Minute - 10*time.Minute
	// MaxSubscriptionLifetime is Graph's maximum for messages.
	MaxSubscriptionLifetime = 10080 * time.Minute
)

// Config configures a Connector. The zero value of each optional field
// means its documented default; New validates it.
type Config struct {
	// Email is the mailbox's address. Required. It keys the Limiter,
	// names the mailbox in logs, and Test checks that the token is this
	// mailbox's.
	Email string
	// TokenSource gives OAuth 2.0 access tokens for Graph (Mail.Read,
	// Mail.Send). Required. Build it with TokenSource (this package) so
	// that a token Graph rejects early is refreshed once and every new
	// token (Microsoft rotates the refresh token on each use) is saved.
	TokenSource oauth2.TokenSource
	// HTTPClient's Transport carries the requests under kiota's
	// middleware (retry, redirect, compression); nil means
	// http.DefaultTransport. Its Timeout, if any, bounds each request.
	HTTPClient *http.Client
	// Endpoint is Graph's base URL; "" means DefaultEndpoint. Tests point
	// it at an outlooktest.Server's Endpoint().
	Endpoint string

	// Folders are the mail folders synced, by well-known name ("inbox",
	// "archive") or id; nil means DefaultFolder. Each has its own delta
	// link in the cursor.
	Folders []string
	// BatchSize is the delta page size and the most messages per sync
	// batch; 0 means DefaultBatchSize, at most MaxBatchSize.
	BatchSize int
	// MaxConcurrency is how many requests the connector has in flight at
	// once; 0 means DefaultMaxConcurrency (Graph's limit per mailbox).
	MaxConcurrency int
	// MaxAttachmentContent is the largest attachment whose content a
	// synced Message carries; 0 means the MIME parser's default (1 MiB).
	MaxAttachmentContent int64

	// Limiter, when set, admits every request for the mailbox before it
	// is sent: Graph's 10,000 requests per 10 minutes and 4 concurrent
	// requests across replicas (see Limiter).
	Limiter Limiter
	// MaxRetries is how many times a 429, 503 or 504 is retried by
	// kiota's retry handler, after the Retry-After the server sent (or
	// an exponential backoff); 0 means DefaultMaxRetries, at most 10, a
	// negative number none. Sends retry only 429s.
	MaxRetries int

	// SubscriptionLifetime is the expiry Watch asks for; 0 means
	// DefaultSubscriptionLifetime, at most MaxSubscriptionLifetime.
	SubscriptionLifetime time.Duration
	// Now is the clock for subscription expiries; nil means time.Now.
	Now func() time.Time

	// Logger receives the connector's logs; nil means slog.Default().
	Logger *slog.Logger
}

// ConfigError lists what is wrong with a Config, field by field: a
// connector.ValidationError, so an ErrPermanent error, whose fields are
// named as in Config, or as in the JSON settings when Factory reports it.
type ConfigError = connector.ValidationError

// configContext begins a ConfigError's text.
const configContext = "outlook: invalid config"

// resolve validates c and fills in the defaults.
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
	settings.URL(&e, "Endpoint", &c.Endpoint, DefaultEndpoint)
	c.Endpoint = strings.TrimSuffix(c.Endpoint, "/")
	if len(c.Folders) == 0 {
		c.Folders = []string{DefaultFolder}
	}
	seen := map[string]bool{}
	for i, f := range c.Folders {
		switch {
		case f == "" || strings.ContainsAny(f, "/?#'\" \t\r\n"):
			e.Addf(fmt.Sprintf("Folders[%d]", i), "must be a folder id or well-known name, got %q", f)
		case seen[strings.ToLower(f)]:
			e.Addf(fmt.Sprintf("Folders[%d]", i), "repeats %q", f)
		}
		seen[strings.ToLower(f)] = true
	}
	settings.Default(&e, "BatchSize", &c.BatchSize, DefaultBatchSize)
	if c.BatchSize > MaxBatchSize {
		e.Addf("BatchSize", "must be at most %d, got %d", MaxBatchSize, c.BatchSize)
	}
	settings.Default(&e, "MaxConcurrency", &c.MaxConcurrency, DefaultMaxConcurrency)
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries > 10:
		e.Addf("MaxRetries", "must be at most 10 (kiota's limit), got %d", c.MaxRetries)
	}
	switch {
	case c.SubscriptionLifetime == 0:
		c.SubscriptionLifetime = DefaultSubscriptionLifetime
	case c.SubscriptionLifetime < 0 || c.SubscriptionLifetime > MaxSubscriptionLifetime:
		e.Addf("SubscriptionLifetime", "must be between 0 and %s, got %s", MaxSubscriptionLifetime, c.SubscriptionLifetime)
	}
	if c.MaxAttachmentContent < 0 {
		c.MaxAttachmentContent = -1
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if len(e.Fields) > 0 {
		return c, &e
	}
	return c, nil
}
