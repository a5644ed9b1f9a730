package oauthtokens_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/oauthtokens"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/queue/lease"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/secrets"
)

// backend is a store and a way to make the lease store of one more
// process, isolated to one test.
type backend struct {
	store store.Store
	// leases returns the lease store of a process: the same leases as
	// every other process's.
	leases func() lease.Store
}

// backends returns the backends to run a test on: memory, and
// PostgreSQL + Redis (a schema and a key prefix of the test's own, a
// Redis client per process), skipped (failed under REQUIRE_SERVICES=1)
// without TEST_DATABASE_URL and TEST_REDIS_URL.
func backends() map[string]func(t *testing.T) *backend {
	return map[string]func(t *testing.T) *backend{
		"memory": func(t *testing.T) *backend {
			st, err := memory.New(memory.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			shared := lease.NewMemoryStore()
			return &backend{store: st, leases: func() lease.Store { return shared }}
		},
		"postgres+redis": func(t *testing.T) *backend {
			redisURL, prefix := redistest.Prefix(t, "oauthtokens")
			ring, err := secrets.ParseKeyring("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
			require.NoError(t, err)
			st, err := postgres.Open(t.Context(), pgtest.URL(t), postgres.Options{Keyring: ring, Migrate: true, Logger: quiet()})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			opt, err := redis.ParseURL(redisURL)
			require.NoError(t, err)
			return &backend{store: st, leases: func() lease.Store {
				rdb := redis.NewClient(opt)
				t.Cleanup(func() { _ = rdb.Close() })
				return lease.NewRedisStore(rdb, prefix+":oauth")
			}}
		},
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// googleTokens is the gmail provider's tokens on fake, as a deployment
// builds them from package gmail.
func googleTokens(fake *gmailtest.Server) oauthtokens.Provider {
	conf := fake.OAuthConfig("https://service.example/auth/google/callback")
	return oauthtokens.Provider{
		Refresh: func(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
			return gmail.Refresh(ctx, conf, tok)
		},
		Revoke: func(ctx context.Context, tok *oauth2.Token) error {
			return gmail.Revoke(ctx, nil, fake.RevokeURL(), tok)
		},
	}
}

// env is a Google fake that rotates refresh tokens, a backend, and what
// the Managers' Refused hooks were told.
type env struct {
	t    *testing.T
	b    *backend
	fake *gmailtest.Server

	mu      sync.Mutex
	refused []string
}

func newEnv(t *testing.T, b *backend, opts gmailtest.Options) *env {
	t.Helper()
	opts.RotateRefreshTokens = true
	e := &env{t: t, b: b, fake: gmailtest.NewServer(opts)}
	t.Cleanup(e.fake.Close)
	return e
}

// manager returns the Manager of one more process.
func (e *env) manager(configure ...func(*oauthtokens.Options)) *oauthtokens.Manager {
	e.t.Helper()
	opts := oauthtokens.Options{
		Providers: map[string]oauthtokens.Provider{"gmail": googleTokens(e.fake), "outlook": {}},
		Leases:    e.b.leases(),
		Refused: func(_ context.Context, in *store.Integration, err error) {
			require.ErrorIs(e.t, err, connector.ErrAuth)
			e.mu.Lock()
			defer e.mu.Unlock()
			e.refused = append(e.refused, in.ID)
		},
		Logger: quiet(),
	}
	for _, c := range configure {
		c(&opts)
	}
	m, err := oauthtokens.New(e.b.store, opts)
	require.NoError(e.t, err)
	return m
}

func (e *env) refusedIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.refused...)
}

// connect stores a gmail integration of mailbox for tenant with a token
// the fake issued, its expiry set to expiry, and returns it.
func (e *env) connect(tenant, mailbox string, expiry time.Time) (*store.Integration, *oauth2.Token) {
	e.t.Helper()
	tok := e.fake.IssueToken(mailbox)
	tok.Expiry = expiry
	in := &store.Integration{TenantID: tenant, Provider: "gmail", Name: mailbox, Config: []byte(`{"email":"` + mailbox + `"}`)}
	require.NoError(e.t, e.b.store.CreateIntegration(e.t.Context(), in, connector.Credentials{OAuth2: tok}))
	return in, tok
}

// stored returns integration in's stored token.
func (e *env) stored(in *store.Integration) *oauth2.Token {
	e.t.Helper()
	creds, err := e.b.store.Credentials(e.t.Context(), in.TenantID, in.ID)
	require.NoError(e.t, err)
	return creds.OAuth2
}
