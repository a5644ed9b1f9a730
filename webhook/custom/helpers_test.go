package custom_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/secrets"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/custom"
)

// backend is a store and a replay store of one kind, isolated to one
// test.
type backend struct {
	store  store.Store
	replay webhook.ReplayStore
}

// backends returns the backends to run a test on: memory, and
// PostgreSQL + Redis (a schema and a key prefix of the test's own),
// skipped (failed under REQUIRE_SERVICES=1) without TEST_DATABASE_URL
// and TEST_REDIS_URL.
func backends() map[string]func(t *testing.T) *backend {
	return map[string]func(t *testing.T) *backend{
		"memory": func(t *testing.T) *backend {
			st, err := memory.New(memory.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return &backend{store: st, replay: webhook.NewMemoryReplayStore()}
		},
		"postgres+redis": func(t *testing.T) *backend {
			dbURL := pgtest.URL(t)
			redisURL, prefix := redistest.Prefix(t, "custom")
			ring, err := secrets.ParseKeyring("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
			require.NoError(t, err)
			st, err := postgres.Open(t.Context(), dbURL, postgres.Options{Keyring: ring, Migrate: true, Logger: quiet()})
			require.NoError(t, err)
			opt, err := redis.ParseURL(redisURL)
			require.NoError(t, err)
			rdb := redis.NewClient(opt)
			replay, err := webhook.NewRedisReplayStore(rdb, webhook.RedisReplayOptions{Prefix: prefix + ":replay"})
			require.NoError(t, err)
			t.Cleanup(func() { _ = rdb.Close(); _ = st.Close() })
			return &backend{store: st, replay: replay}
		},
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// fixture is Sources on a backend with one custom source of tenant
// "acme".
type fixture struct {
	st      store.Store
	sources *custom.Sources
	pub     *published
	id      string
	secret  string
}

// newFixture returns Sources on st (with replay) and one custom source;
// opts may change the options.
func newFixture(t *testing.T, st store.Store, replay webhook.ReplayStore, opts ...func(*custom.Options)) *fixture {
	t.Helper()
	f := &fixture{st: st, pub: &published{}}
	o := custom.Options{Replay: replay, Publish: f.pub.add, Logger: quiet()}
	for _, fn := range opts {
		fn(&o)
	}
	var err error
	f.sources, err = custom.New(st, o)
	require.NoError(t, err)
	f.id, f.secret = newSource(t, st)
	return f
}

// newSource stores a custom source of tenant "acme" and returns its id
// and secret.
func newSource(t *testing.T, st store.Store) (id, secret string) {
	t.Helper()
	secret = webhook.GenerateSecret().Encode()
	in := &store.Integration{TenantID: "acme", Provider: custom.DefaultProvider, Name: "Form"}
	require.NoError(t, st.CreateIntegration(t.Context(), in, connector.Credentials{AppSecret: secret}))
	return in.ID, secret
}

// push delivers body to source id signed with secret as webhook-id
// msgID at ts, through Sources.Source and Source.ServeHTTP as a route
// would (404 for an unknown source); mutate may change the request.
func (f *fixture) push(t testing.TB, id, secret, msgID string, ts time.Time, body string, mutate ...func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	s, err := webhook.ParseSecret(secret)
	require.NoError(t, err)
	signer, err := webhook.NewSigner(s)
	require.NoError(t, err)
	hdr, err := signer.Sign(msgID, ts, []byte(body))
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/webhooks/custom/"+id, strings.NewReader(body))
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	for _, m := range mutate {
		m(req)
	}
	rec := httptest.NewRecorder()
	src, err := f.sources.Source(req.Context(), id)
	switch {
	case err == nil:
		src.ServeHTTP(rec, req)
	case errors.Is(err, store.ErrNotFound):
		http.NotFound(rec, req)
	default:
		require.NoError(t, err)
	}
	return rec
}

func (f *fixture) messages(t testing.TB) int64 {
	t.Helper()
	n, err := f.st.CountMessages(context.Background(), "acme", f.id)
	require.NoError(t, err)
	return n
}

func (f *fixture) events(t testing.TB) []*store.Event {
	t.Helper()
	p, err := f.st.ListEvents(context.Background(), "acme", store.ListEventsOptions{ListOptions: store.ListOptions{Limit: store.MaxLimit}})
	require.NoError(t, err)
	return p.Items
}

// published records the events Sources published.
type published struct {
	mu     sync.Mutex
	events []*store.Event
}

func (p *published) add(_ context.Context, events ...*store.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, events...)
}

func (p *published) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.events)
}

func httpBody(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

const customBody = `{"from":{"name":"Ann","email":"ann@example.org"},"to":[{"email":"help@example.com"}],"subject":"Order 42","text":"Where is it?","message_id":"m42@example.org","date":"2026-01-02T03:04:05Z","attachments":[{"filename":"a.pdf","content_type":"application/pdf","size":12}]}`
