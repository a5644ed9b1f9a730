package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// Store is what a Flow needs of a store: the pending sign-ins
// (store.OAuthStateStore) and the tenant's integrations, a subset of
// store.Store, so that store/memory, store/postgres or a deployment's
// own implementation can be passed as it is.
type Store interface {
	store.OAuthStateStore
	GetIntegration(ctx context.Context, tenantID, id string) (*store.Integration, error)
	ListIntegrations(ctx context.Context, tenantID string, opts store.ListIntegrationsOptions) (*store.Page[*store.Integration], error)
	CreateIntegration(ctx context.Context, in *store.Integration, creds connector.Credentials) error
	SetCredentials(ctx context.Context, tenantID, id string, creds connector.Credentials) error
	UpdateIntegration(ctx context.Context, tenantID, id string, fn func(*store.Integration) error) (*store.Integration, error)
}

var _ Store = store.Store(nil)

// AuthRequest is the start of one authorization at a provider: send the
// user to URL, keep State and Verifier (the PKCE code verifier, a
// secret) for the callback. gmail.AuthRequest and outlook.AuthRequest
// convert to it.
type AuthRequest struct {
	URL      string
	State    string
	Verifier string
}

// Provider is one identity provider's part of the flow, built from its
// provider package (gmail, outlook) by the deployment, so that this
// package imports no provider SDK.
type Provider struct {
	// Name is the provider of the integrations the sign-in connects
	// ("gmail"). Required.
	Name string
	// Label names the identity provider in messages ("Google"); ""
	// means Name.
	Label string
	// OAuth2 is the deployment's OAuth client, with its callback URL
	// as RedirectURL. nil: the deployment has no client for the
	// provider; Start and Finish answer ErrNotConfigured.
	OAuth2 *oauth2.Config
	// Authorize returns the authorization URL for conf, with a new state
	// and PKCE verifier, pre-filled with the mailbox loginHint, and with
	// nonce when the provider's identity token carries one
	// (gmail.NewAuthRequest, outlook.NewAuthRequest). Required with
	// OAuth2.
	Authorize func(conf *oauth2.Config, loginHint, nonce string) AuthRequest
	// Exchange trades the callback's code for a token with the PKCE
	// verifier (gmail.Exchange, outlook.Exchange); a refused code must be
	// a connector.ErrAuth error. Required with OAuth2.
	Exchange func(ctx context.Context, conf *oauth2.Config, code, verifier string) (*oauth2.Token, error)
	// Verify returns the verified address of the mailbox tok opens,
	// which must be expected (gmail.VerifySignIn, outlook.VerifySignIn):
	// a *MailboxMismatchError when it is another (the type gmail and
	// outlook return). nonce is the one given to Authorize. The Flow
	// compares the address with expected again. Required with OAuth2.
	Verify func(ctx context.Context, tok *oauth2.Token, expected, nonce string) (string, error)
	// Unverified, when set, is the error (matched with errors.Is) by
	// which Verify says the provider does not vouch for the address
	// (gmail.ErrEmailNotVerified): a refusal, as a mismatch is.
	Unverified error
	// BadIdentity, when set, is the error (matched with errors.Is) by
	// which Verify says the provider's identity token is invalid
	// (gmail.ErrIDToken): logged, and a failure of the provider.
	BadIdentity error
	// Settings is the config of a new integration of the mailbox
	// address (gmail.Settings, outlook.Settings, encoded). nil means
	// {"email": address}.
	Settings func(address string) json.RawMessage
	// Address returns the mailbox address of an integration's config.
	// nil means its "email" member, as gmail.Settings and
	// outlook.Settings have it.
	Address func(settings json.RawMessage) string
}

// label is the provider's name in messages.
func (p *Provider) label() string {
	if p.Label != "" {
		return p.Label
	}
	return p.Name
}

// DefaultStateTTL is how long a started sign-in may take when
// Options.StateTTL is zero.
const DefaultStateTTL = 10 * time.Minute

// Options configure a Flow. The zero value of every field but Providers
// means its documented default.
type Options struct {
	// Providers are the identity providers, each by its Name. At least
	// one is required.
	Providers []Provider
	// ReturnURLs are where a finished sign-in may send the user's
	// browser back (StartRequest.ReturnURL); empty: nowhere, and a
	// return URL is refused.
	ReturnURLs AllowList
	// StateTTL is how long a started sign-in may take; 0 means
	// DefaultStateTTL.
	StateTTL time.Duration
	// CheckName cleans and checks the name of the integration to
	// create (StartRequest.Name, when given); its error's text is the
	// name's problem. nil means the name trimmed of spaces.
	CheckName func(name string) (string, error)
	// Room reports whether the tenant may have one more integration:
	// nil when it may; a refusal wrapping ErrQuota when it may not (the
	// error is kept as the cause of the *Error, for its details); any
	// other error is a failure to find out. A sign-in that would create
	// an integration asks at Start, to spare the user a sign-in that
	// cannot end well, and at Finish. nil: no limit.
	Room func(ctx context.Context, tenantID string) error
	// Connected is called once a sign-in connected a mailbox: in is the
	// integration created (created) or given the new tokens. The
	// integration service starts its push registration and enqueues its
	// first sync there. nil: nothing.
	Connected func(ctx context.Context, in *store.Integration, created bool)
	// Now is the clock of states' expiries; nil means time.Now.
	Now func() time.Time
	// Logger receives the Flow's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Flow is the OAuth sign-in of mailboxes: Start begins one bound to a
// tenant and to the mailbox it states, Finish ends it at the callback
// and connects that mailbox and no other. It is safe for concurrent use.
type Flow struct {
	store     Store
	providers map[string]*Provider
	returns   AllowList
	ttl       time.Duration
	checkName func(string) (string, error)
	room      func(context.Context, string) error
	connected func(context.Context, *store.Integration, bool)
	now       func() time.Time
	logger    *slog.Logger
}

// New returns a Flow that keeps its states and integrations in st. It
// checks opts and reports every problem at once, each naming its field.
func New(st Store, opts Options) (*Flow, error) {
	var errs []error
	if st == nil {
		errs = append(errs, fmt.Errorf("%w: New: nil store", ErrInvalidOptions))
	}
	if len(opts.Providers) == 0 {
		errs = append(errs, fmt.Errorf("%w: Options.Providers is empty", ErrInvalidOptions))
	}
	if opts.StateTTL < 0 {
		errs = append(errs, fmt.Errorf("%w: Options.StateTTL %s must not be negative", ErrInvalidOptions, opts.StateTTL))
	}
	f := &Flow{
		store: st, providers: make(map[string]*Provider, len(opts.Providers)), returns: opts.ReturnURLs,
		ttl: opts.StateTTL, checkName: opts.CheckName, room: opts.Room, connected: opts.Connected,
		now: opts.Now, logger: opts.Logger,
	}
	for i, p := range opts.Providers {
		field := fmt.Sprintf("Options.Providers[%d]", i)
		switch {
		case p.Name == "":
			errs = append(errs, fmt.Errorf("%w: %s.Name is required", ErrInvalidOptions, field))
			continue
		case f.providers[p.Name] != nil:
			errs = append(errs, fmt.Errorf("%w: %s.Name %q is given twice", ErrInvalidOptions, field, p.Name))
			continue
		}
		if p.OAuth2 != nil {
			for name, missing := range map[string]bool{"Authorize": p.Authorize == nil, "Exchange": p.Exchange == nil, "Verify": p.Verify == nil} {
				if missing {
					errs = append(errs, fmt.Errorf("%w: %s.%s is required with OAuth2", ErrInvalidOptions, field, name))
				}
			}
		}
		if p.Settings == nil {
			p.Settings = emailSettings
		}
		if p.Address == nil {
			p.Address = emailMember
		}
		f.providers[p.Name] = &p
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if f.ttl == 0 {
		f.ttl = DefaultStateTTL
	}
	if f.checkName == nil {
		f.checkName = func(name string) (string, error) { return strings.TrimSpace(name), nil }
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.logger == nil {
		f.logger = slog.Default()
	}
	return f, nil
}

// Sweep removes the states of sign-ins abandoned and expired by now,
// and returns how many; call it now and then (the integration service
// does in its refresh-tokens job).
func (f *Flow) Sweep(ctx context.Context) (int, error) {
	return f.store.DeleteExpiredOAuthStates(ctx, f.now())
}

// emailSettings is {"email": address}.
func emailSettings(address string) json.RawMessage {
	b, _ := json.Marshal(struct {
		Email string `json:"email"`
	}{address}) // cannot fail
	return b
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
