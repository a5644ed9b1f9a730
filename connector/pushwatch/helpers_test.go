package pushwatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/pushwatch"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/secrets"
)

const (
	testTopic     = "projects/acme/topics/gmail"
	testNotifyURL = "https://mail.acme.example/webhooks/microsoft"
	testCycleURL  = "https://mail.acme.example/webhooks/microsoft/lifecycle"
)

// backend is a store and a broker of one kind, isolated to one test.
type backend struct {
	store  store.Store
	broker queue.Broker
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
			broker := queue.NewMemory(queue.MemoryOptions{})
			t.Cleanup(func() { _ = broker.Close(); _ = st.Close() })
			return &backend{store: st, broker: broker}
		},
		"postgres+redis": func(t *testing.T) *backend {
			dbURL := pgtest.URL(t)
			redisURL, prefix := redistest.Prefix(t, "pushwatch")
			ring, err := secrets.ParseKeyring("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
			require.NoError(t, err)
			st, err := postgres.Open(t.Context(), dbURL, postgres.Options{Keyring: ring, Migrate: true, Logger: quiet()})
			require.NoError(t, err)
			opt, err := redis.ParseURL(redisURL)
			require.NoError(t, err)
			rdb := redis.NewClient(opt)
			broker, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: prefix + ":queue", Logger: quiet()})
			require.NoError(t, err)
			t.Cleanup(func() { _ = broker.Close(); _ = rdb.Close(); _ = st.Close() })
			return &backend{store: st, broker: broker}
		},
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// eachBackend runs test on every backend, in parallel.
func eachBackend(t *testing.T, test func(t *testing.T, b *backend)) {
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

// provider is a fake of the providers' push registrations: the
// connectors it builds are connector.Watchers (and Reauthorizers) that
// keep their registrations here, Gmail's without an id and lasting 7
// days, Graph's with one and lasting 3.
type provider struct {
	now func() time.Time

	mu sync.Mutex
	// regs are the live registrations, by integration id.
	regs map[string]*connector.Subscription
	// requests are the Watch requests, by integration id.
	requests map[string][]connector.WatchRequest
	// unwatched and reauthorized are the registrations removed and
	// reauthorized.
	unwatched, reauthorized []string
	// fail makes Watch fail, by integration id.
	fail  map[string]error
	built int
	seq   int
}

func newProvider(now func() time.Time) *provider {
	return &provider{now: now, regs: map[string]*connector.Subscription{}, requests: map[string][]connector.WatchRequest{}, fail: map[string]error{}}
}

// connect is a syncrun.ConnectFunc: a watching connector of in.
func (p *provider) connect(_ context.Context, in *store.Integration) (connector.Connector, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.built++
	return &watchConn{p: p, in: in}, nil
}

func (p *provider) setFail(id string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		delete(p.fail, id)
		return
	}
	p.fail[id] = err
}

// calls returns integration id's Watch requests.
func (p *provider) calls(id string) []connector.WatchRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]connector.WatchRequest(nil), p.requests[id]...)
}

func (p *provider) reg(id string) *connector.Subscription {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.regs[id]; r != nil {
		c := *r
		return &c
	}
	return nil
}

func (p *provider) connectors() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.built
}

// watchConn is a connector of the fake provider; it only watches.
type watchConn struct {
	connector.Connector // nil: only the methods below are called
	p                   *provider
	in                  *store.Integration
}

func (c *watchConn) Provider() string { return c.in.Provider }

func (c *watchConn) Watch(_ context.Context, req connector.WatchRequest) (*connector.Subscription, error) {
	p := c.p
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests[c.in.ID] = append(p.requests[c.in.ID], req)
	if err := p.fail[c.in.ID]; err != nil {
		return nil, err
	}
	p.seq++
	if c.in.Provider == "gmail" {
		r := &connector.Subscription{Resource: "INBOX", Expiry: p.now().Add(7 * 24 * time.Hour), Cursor: connector.Cursor(fmt.Sprint("history-", p.seq))}
		p.regs[c.in.ID] = r
		c2 := *r
		return &c2, nil
	}
	r := p.regs[c.in.ID]
	if req.Current == nil || req.Current.ID == "" || r == nil || r.ID != req.Current.ID {
		r = &connector.Subscription{ID: fmt.Sprint("sub-", p.seq), Resource: "me/messages"}
		p.regs[c.in.ID] = r
	}
	r.Expiry = p.now().Add(3 * 24 * time.Hour)
	c2 := *r
	return &c2, nil
}

func (c *watchConn) Unwatch(_ context.Context, sub *connector.Subscription) error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	c.p.unwatched = append(c.p.unwatched, c.in.ID+":"+sub.ID)
	delete(c.p.regs, c.in.ID)
	return nil
}

func (c *watchConn) Reauthorize(_ context.Context, subscriptionID string) error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if err := c.p.fail[c.in.ID]; err != nil {
		return err
	}
	c.p.reauthorized = append(c.p.reauthorized, subscriptionID)
	return nil
}

// triggers records the syncs a Manager triggers.
type triggers struct {
	mu  sync.Mutex
	ids []string
}

func (tr *triggers) trigger(_ context.Context, tenant, integration string) (*queue.EnqueueResult, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.ids = append(tr.ids, tenant+"/"+integration)
	return &queue.EnqueueResult{ID: "sync:" + integration}, nil
}

func (tr *triggers) got() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.ids...)
}

// clock is a test's time, moved on by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a Manager on a backend, with the fake provider, a recorder of
// triggers, a syncrun.Runner for Failures and a clock.
type env struct {
	b     *backend
	m     *pushwatch.Manager
	p     *provider
	tr    *triggers
	clock *clock
}

func newEnv(t *testing.T, b *backend, opts pushwatch.Options) *env {
	t.Helper()
	e := &env{b: b, tr: &triggers{}, clock: newClock()}
	e.p = newProvider(e.clock.now)
	runner, err := syncrun.New(b.store, b.broker, syncrun.Options{Connect: e.p.connect, Logger: quiet()})
	require.NoError(t, err)
	if opts.Connect == nil {
		opts.Connect = e.p.connect
	}
	opts.Trigger, opts.Failures, opts.Now, opts.Logger = e.tr.trigger, runner, e.clock.now, quiet()
	if opts.GmailTopic == "" {
		opts.GmailTopic = testTopic
	}
	if opts.GraphNotificationURL == "" {
		opts.GraphNotificationURL, opts.GraphLifecycleURL = testNotifyURL, testCycleURL
	}
	e.m, err = pushwatch.New(b.store, b.broker, opts)
	require.NoError(t, err)
	return e
}

// integration stores an active integration of provider for tenant,
// with mailbox address email.
func (e *env) integration(t *testing.T, tenant, provider, email string) *store.Integration {
	t.Helper()
	cfg, err := json.Marshal(map[string]string{"email": email})
	require.NoError(t, err)
	in := &store.Integration{TenantID: tenant, Provider: provider, Name: "Support", Config: cfg}
	require.NoError(t, e.b.store.CreateIntegration(t.Context(), in, connector.Credentials{}))
	return in
}

// sub returns in's stored registration, or nil.
func (e *env) sub(t *testing.T, in *store.Integration) *store.Subscription {
	t.Helper()
	sub, err := e.b.store.GetSubscription(t.Context(), in.TenantID, in.ID)
	if err != nil {
		require.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}
	return sub
}

// status returns in's stored status and the number of its
// integration.needs_reauth events.
func (e *env) status(t *testing.T, in *store.Integration) (store.IntegrationStatus, int) {
	t.Helper()
	got, err := e.b.store.GetIntegration(t.Context(), in.TenantID, in.ID)
	require.NoError(t, err)
	events, err := e.b.store.ListEvents(t.Context(), in.TenantID, store.ListEventsOptions{IntegrationID: in.ID})
	require.NoError(t, err)
	n := 0
	for _, ev := range events.Items {
		if ev.Type == syncrun.EventNeedsReauth {
			n++
		}
	}
	return got.Status, n
}
