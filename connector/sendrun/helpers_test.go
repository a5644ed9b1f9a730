package sendrun_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/sendrun"
	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/secrets"
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
			redisURL, prefix := redistest.Prefix(t, "sendrun")
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

// fixture is a Runner on a backend whose connectors are one in-memory
// mailbox, with one integration of tenant "acme".
type fixture struct {
	b   *backend
	st  sendrun.Store
	mb  *connectortest.Mailbox
	r   *sendrun.Runner
	pub *published
	in  *store.Integration
	// connectErr, when set, is what Connect returns.
	connectErr atomic.Pointer[error]
}

// newFixture returns a fixture on b; wrap, when given, wraps the store
// the Runner uses; opts may change the options.
func newFixture(t *testing.T, b *backend, wrap func(store.Store) sendrun.Store, opts ...func(*sendrun.Options)) *fixture {
	t.Helper()
	f := &fixture{b: b, st: b.store, mb: connectortest.NewMailbox(connectortest.MailboxOptions{}), pub: &published{}}
	if wrap != nil {
		f.st = wrap(b.store)
	}
	f.in = &store.Integration{TenantID: "acme", Provider: "memory", Name: "Support"}
	require.NoError(t, b.store.CreateIntegration(t.Context(), f.in, connector.Credentials{}))
	o := sendrun.Options{
		Connect: func(context.Context, *store.Integration) (connector.Connector, error) {
			if err := f.connectErr.Load(); err != nil {
				return nil, *err
			}
			return f.mb.Connect(connector.Credentials{}), nil
		},
		Publish: f.pub.add,
		Logger:  quiet(),
	}
	for _, fn := range opts {
		fn(&o)
	}
	var err error
	f.r, err = sendrun.New(f.st, b.broker, o)
	require.NoError(t, err)
	return f
}

// message returns a valid message to send, from the mailbox.
func message(n int) connector.OutboundMessage {
	return connector.OutboundMessage{
		From: connector.Address{Email: "support@example.com"}, To: []connector.Address{{Email: "ann@example.org"}},
		Subject: fmt.Sprintf("Your order %d", n), Text: "It ships today.",
	}
}

// enqueue enqueues message(n) under key.
func (f *fixture) enqueue(t *testing.T, key string, n int) *store.OutboxEntry {
	t.Helper()
	e, created, err := f.r.Enqueue(t.Context(), &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: key, Message: message(n)})
	require.NoError(t, err)
	require.True(t, created)
	return e
}

// run runs the send job of e as attempt of maxAttempts, with the
// payload a queued job carries.
func (f *fixture) run(t *testing.T, e *store.OutboxEntry, attempt, maxAttempts int) error {
	t.Helper()
	return f.r.HandleSend(t.Context(), &queue.Job{
		ID: sendrun.JobID(e.ID), Type: sendrun.JobSend, Attempt: attempt, MaxAttempts: maxAttempts,
		Payload: fmt.Appendf(nil, `{"tenant_id":%q,"outbox_id":%q}`, e.TenantID, e.ID),
	})
}

// entry reads e back.
func (f *fixture) entry(t *testing.T, e *store.OutboxEntry) *store.OutboxEntry {
	t.Helper()
	got, err := f.b.store.GetOutbox(t.Context(), e.TenantID, e.ID)
	require.NoError(t, err)
	return got
}

// eventTypes counts the stored events of the integration by type.
func (f *fixture) eventTypes(t *testing.T) map[string]int {
	t.Helper()
	page, err := f.b.store.ListEvents(t.Context(), "acme", store.ListEventsOptions{IntegrationID: f.in.ID, ListOptions: store.ListOptions{Limit: store.MaxLimit}})
	require.NoError(t, err)
	n := map[string]int{}
	for _, ev := range page.Items {
		n[ev.Type]++
	}
	return n
}

// pending returns the jobs waiting on the broker's queues.
func (f *fixture) pending(t *testing.T) int64 {
	t.Helper()
	stats, err := f.b.broker.Stats(t.Context())
	require.NoError(t, err)
	var n int64
	for _, s := range stats {
		n += s.Pending + s.Scheduled + s.Active + s.Retry
	}
	return n
}

// published records the events a Runner published.
type published struct {
	mu     sync.Mutex
	events []*store.Event
}

func (p *published) add(_ context.Context, events ...*store.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, events...)
}

func (p *published) types() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := map[string]int{}
	for _, ev := range p.events {
		n[ev.Type]++
	}
	return n
}

// failingMarks is a store whose UpdateOutbox fails on the calls fail
// says: a worker that dies between the provider's accepting a message
// and the entry's being marked sent.
type failingMarks struct {
	store.Store
	calls atomic.Int32
	fail  func(n int) bool
}

var errCrash = errors.New("test: the worker died")

func (s *failingMarks) UpdateOutbox(ctx context.Context, tenantID, id string, fn func(*store.OutboxEntry) ([]*store.Event, error)) (*store.OutboxEntry, error) {
	if s.fail(int(s.calls.Add(1))) {
		return nil, errCrash
	}
	return s.Store.UpdateOutbox(ctx, tenantID, id, fn)
}
