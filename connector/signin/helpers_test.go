package signin_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector/signin"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/outlook"
	"github.com/ucsp/integration/outlook/outlooktest"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/secrets"
)

const callbackURL = "https://service.example/auth/google/callback"

// stores returns the stores to run a test on: memory, and PostgreSQL
// (a schema of the test's own), skipped (failed under
// REQUIRE_SERVICES=1) without TEST_DATABASE_URL.
func stores() map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"memory": func(t *testing.T) store.Store {
			st, err := memory.New(memory.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		},
		"postgres": func(t *testing.T) store.Store {
			ring, err := secrets.ParseKeyring("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
			require.NoError(t, err)
			st, err := postgres.Open(t.Context(), pgtest.URL(t), postgres.Options{Keyring: ring, Migrate: true, Logger: quiet()})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		},
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// googleProvider is the gmail provider's sign-in on fake, as a
// deployment builds it from package gmail.
func googleProvider(t *testing.T, fake *gmailtest.Server, now func() time.Time) signin.Provider {
	t.Helper()
	v, err := gmail.NewIDTokenVerifier(gmail.IDTokenConfig{ClientID: "gmailtest-client", Issuer: fake.Issuer(), JWKSURL: fake.JWKSURL(), Now: now})
	require.NoError(t, err)
	return signin.Provider{
		Name: "gmail", Label: "Google",
		OAuth2: fake.OAuthConfig(callbackURL, gmail.DefaultScopes()...),
		Authorize: func(conf *oauth2.Config, hint, nonce string) signin.AuthRequest {
			return signin.AuthRequest(*gmail.NewAuthRequest(conf, gmail.AuthOptions{LoginHint: hint, ForceConsent: true, Nonce: nonce}))
		},
		Exchange: gmail.Exchange,
		Verify: func(ctx context.Context, tok *oauth2.Token, expected, nonce string) (string, error) {
			id, err := gmail.VerifySignIn(ctx, tok, gmail.SignInCheck{
				Verifier: v, Nonce: nonce, Expected: expected,
				API: gmail.Config{Endpoint: fake.Endpoint(), MaxRetries: -1, Logger: quiet()},
			})
			if err != nil {
				return "", err
			}
			return id.Email, nil
		},
		Unverified: gmail.ErrEmailNotVerified, BadIdentity: gmail.ErrIDToken,
		Settings: func(addr string) json.RawMessage {
			b, _ := json.Marshal(gmail.Settings{Email: addr})
			return b
		},
	}
}

// microsoftProvider is the outlook provider's sign-in on fake, as a
// deployment builds it from package outlook.
func microsoftProvider(fake *outlooktest.Server) signin.Provider {
	return signin.Provider{
		Name: "outlook", Label: "Microsoft",
		OAuth2: fake.OAuthConfig("https://service.example/auth/microsoft/callback", outlook.DefaultScopes()...),
		Authorize: func(conf *oauth2.Config, hint, _ string) signin.AuthRequest {
			return signin.AuthRequest(*outlook.NewAuthRequest(conf, outlook.AuthOptions{LoginHint: hint}))
		},
		Exchange: outlook.Exchange,
		Verify: func(ctx context.Context, tok *oauth2.Token, expected, _ string) (string, error) {
			return outlook.VerifySignIn(ctx, tok, outlook.SignInCheck{
				Expected: expected, API: outlook.Config{Endpoint: fake.Endpoint(), MaxRetries: -1, Logger: quiet()},
			})
		},
	}
}

// clock is a test's time, moved on by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a Flow on a store with the Google fake, and what its hooks saw.
type env struct {
	flow  *signin.Flow
	store store.Store
	fake  *gmailtest.Server
	clock *clock

	mu        sync.Mutex
	connected []string // ids of the integrations Connected was told of
	room      error    // what Room answers
}

func newEnv(t *testing.T, st store.Store, configure ...func(*signin.Options)) *env {
	t.Helper()
	e := &env{store: st, clock: &clock{now: time.Now()}}
	e.fake = gmailtest.NewServer(gmailtest.Options{Now: e.clock.Now})
	t.Cleanup(e.fake.Close)
	opts := signin.Options{
		Providers: []signin.Provider{googleProvider(t, e.fake, e.clock.Now)},
		Room: func(context.Context, string) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			return e.room
		},
		Connected: func(_ context.Context, in *store.Integration, _ bool) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.connected = append(e.connected, in.ID)
		},
		Now:    e.clock.Now,
		Logger: quiet(),
	}
	for _, c := range configure {
		c(&opts)
	}
	var err error
	e.flow, err = signin.New(st, opts)
	require.NoError(t, err)
	return e
}

func (e *env) setRoom(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.room = err
}

func (e *env) connectedIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.connected...)
}

// consent has account sign in at the provider's URL and returns the
// callback the provider sends the browser to.
func consent(t *testing.T, hc *http.Client, setConsent func(string, bool), authURL, account string) signin.Callback {
	t.Helper()
	setConsent(account, false)
	return follow(t, hc, authURL)
}

// follow opens authURL at the fake and returns the callback it
// redirects to.
func follow(t *testing.T, hc *http.Client, authURL string) signin.Callback {
	t.Helper()
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(authURL)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(loc.Path, "/callback"), loc.String())
	return signin.CallbackFrom(loc.Query())
}

// signIn starts a sign-in of req on e's Google fake, has account sign
// in, and finishes it.
func (e *env) signIn(t *testing.T, req signin.StartRequest, account string) (*signin.Result, error) {
	t.Helper()
	req.Provider = "gmail"
	started, err := e.flow.Start(t.Context(), req)
	require.NoError(t, err)
	return e.flow.Finish(t.Context(), "gmail", consent(t, e.fake.Client(), e.fake.SetConsent, started.URL, account))
}

// requireKind checks that err is an *Error of kind.
func requireKind(t *testing.T, err error, kind error) *signin.Error {
	t.Helper()
	var e *signin.Error
	require.ErrorAs(t, err, &e)
	require.ErrorIs(t, err, kind)
	require.Equal(t, kind, e.Kind)
	return e
}

func (e *env) integrations(t *testing.T, tenant string) []*store.Integration {
	t.Helper()
	page, err := e.store.ListIntegrations(t.Context(), tenant, store.ListIntegrationsOptions{})
	require.NoError(t, err)
	return page.Items
}
