package oauthtokens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue/lease"
	"github.com/ucsp/integration/store"
)

// Store is what a Manager needs of a store: a subset of store.Store, so
// that store/memory, store/postgres or a deployment's own implementation
// can be passed as it is.
type Store interface {
	GetIntegration(ctx context.Context, tenantID, id string) (*store.Integration, error)
	ScanIntegrations(ctx context.Context, opts store.ListIntegrationsOptions) (*store.Page[*store.Integration], error)
	Credentials(ctx context.Context, tenantID, id string) (connector.Credentials, error)
	SetCredentials(ctx context.Context, tenantID, id string, creds connector.Credentials) error
}

var _ Store = store.Store(nil)

// Provider is how the tokens of one provider are refreshed and revoked:
// the provider package's functions bound to the deployment's OAuth
// client (gmail.Refresh and gmail.Revoke, outlook.Refresh), so that this
// package imports no provider SDK.
type Provider struct {
	// Refresh returns a new token for tok now, whatever its expiry
	// (gmail.Refresh or outlook.Refresh with the client's
	// *oauth2.Config); the token endpoint refusing the grant must be a
	// connector.ErrAuth error. nil: the deployment has no OAuth client
	// for the provider, and its tokens are not refreshed here
	// (TokenSource returns nil, RefreshDue skips them).
	Refresh func(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error)
	// Revoke revokes at the provider the grant tok holds (gmail.Revoke).
	// nil: the provider has no revocation of one grant (Microsoft's only
	// ends all of a user's sessions), and Revoker does nothing.
	Revoke func(ctx context.Context, tok *oauth2.Token) error
	// Mailbox returns the address of the mailbox an integration's
	// settings name, by which Revoker finds the other integrations of
	// the same mailbox. nil means the settings' "email" member, as
	// gmail.Settings and outlook.Settings have it.
	Mailbox func(settings json.RawMessage) string
}

// Defaults of the zero values of Options.
const (
	// DefaultLeaseTTL bounds one refresh: a process that dies while it
	// refreshes holds the integration's lease no longer than this.
	DefaultLeaseTTL = 30 * time.Second
	// DefaultMargin: a token that expires sooner than this is refreshed
	// before it is used.
	DefaultMargin = time.Minute
	// DefaultAhead: RefreshDue refreshes the tokens that expire within
	// it.
	DefaultAhead = 15 * time.Minute
	// DefaultRevokeTimeout bounds a revocation at the provider.
	DefaultRevokeTimeout = 10 * time.Second
)

// Options configure a Manager. The zero value of every field means its
// documented default.
type Options struct {
	// Providers are the OAuth providers by integration provider name
	// ("gmail", "outlook"). Integrations of other providers have no
	// token here.
	Providers map[string]Provider
	// Leases serialise the refreshes of an integration's token: a
	// lease.RedisStore shared by every process of the deployment, so
	// that a refresh token the provider rotates is used once. nil means
	// a lease.MemoryStore, for a deployment of one process.
	Leases lease.Store
	// LeaseTTL is how long a refresh may hold its lease; 0 means
	// DefaultLeaseTTL.
	LeaseTTL time.Duration
	// Margin is how long before its expiry a token is refreshed before
	// use; 0 means DefaultMargin.
	Margin time.Duration
	// Ahead is how long before their expiry RefreshDue refreshes tokens;
	// 0 means DefaultAhead.
	Ahead time.Duration
	// RevokeTimeout bounds a revocation; 0 means DefaultRevokeTimeout.
	RevokeTimeout time.Duration
	// Refused is told of each integration whose grant RefreshDue found
	// refused (a connector.ErrAuth error: revoked, expired, no refresh
	// token), to mark it as needing a new sign-in
	// (syncrun.Runner.MarkIntegration with store.StatusNeedsReauth, say).
	// nil: it is logged only.
	Refused func(ctx context.Context, in *store.Integration, err error)
	// Now is the clock of expiries; nil means time.Now.
	Now func() time.Time
	// Logger receives the Manager's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Errors of this package. Test with errors.Is.
var (
	// ErrInvalid is returned by New for options it cannot run with; the
	// error's text names the field.
	ErrInvalid = errors.New("oauthtokens: invalid options")
	// ErrNoProvider: the integration's provider has no Refresh in
	// Options.Providers.
	ErrNoProvider = errors.New("oauthtokens: no token refresh for this provider")
	// ErrNoRefreshToken: the stored token cannot be refreshed. Refresh
	// returns it as a connector.ErrAuth error.
	ErrNoRefreshToken = errors.New("oauthtokens: no refresh token stored")
)

// Manager keeps the OAuth tokens of a deployment's integrations: it
// gives connectors a token source per integration whose refreshes run
// one at a time across processes and are saved before use, refreshes
// tokens ahead of their expiry, and revokes a deleted integration's
// grant. It is safe for concurrent use.
type Manager struct {
	store     Store
	providers map[string]Provider
	leases    lease.Store
	leaseTTL  time.Duration
	margin    time.Duration
	ahead     time.Duration
	revokeTTL time.Duration
	refused   func(ctx context.Context, in *store.Integration, err error)
	now       func() time.Time
	logger    *slog.Logger
}

// New returns a Manager of the tokens stored in st. It checks opts and
// reports every problem at once, each naming its field.
func New(st Store, opts Options) (*Manager, error) {
	var errs []error
	if st == nil {
		errs = append(errs, fmt.Errorf("%w: New: nil store", ErrInvalid))
	}
	for name := range opts.Providers {
		if name == "" {
			errs = append(errs, fmt.Errorf("%w: Options.Providers names an empty provider", ErrInvalid))
		}
	}
	for field, d := range map[string]time.Duration{
		"LeaseTTL": opts.LeaseTTL, "Margin": opts.Margin, "Ahead": opts.Ahead, "RevokeTimeout": opts.RevokeTimeout,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%w: Options.%s %s must not be negative", ErrInvalid, field, d))
		}
	}
	if opts.LeaseTTL > 0 && opts.LeaseTTL < time.Millisecond {
		errs = append(errs, fmt.Errorf("%w: Options.LeaseTTL %s is under a millisecond", ErrInvalid, opts.LeaseTTL))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	m := &Manager{
		store: st, providers: make(map[string]Provider, len(opts.Providers)), leases: opts.Leases,
		leaseTTL: orDefault(opts.LeaseTTL, DefaultLeaseTTL), margin: orDefault(opts.Margin, DefaultMargin),
		ahead: orDefault(opts.Ahead, DefaultAhead), revokeTTL: orDefault(opts.RevokeTimeout, DefaultRevokeTimeout),
		refused: opts.Refused, now: opts.Now, logger: opts.Logger,
	}
	for name, p := range opts.Providers {
		if p.Mailbox == nil {
			p.Mailbox = emailMember
		}
		m.providers[name] = p
	}
	if m.leases == nil {
		m.leases = lease.NewMemoryStore()
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.logger == nil {
		m.logger = slog.Default()
	}
	return m, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// emailMember is the "email" member of settings, or "".
func emailMember(settings json.RawMessage) string {
	var s struct {
		Email string `json:"email"`
	}
	if json.Unmarshal(settings, &s) != nil {
		return ""
	}
	return s.Email
}

// refresher returns provider's Refresh, or nil.
func (m *Manager) refresher(provider string) func(context.Context, *oauth2.Token) (*oauth2.Token, error) {
	return m.providers[provider].Refresh
}
