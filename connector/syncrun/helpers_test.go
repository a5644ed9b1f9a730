package syncrun_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/queue/lease"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/secrets"
)

// backend is a store, a broker and a lease store of one kind, isolated
// to one test.
type backend struct {
	store  store.Store
	broker queue.Broker
	leases lease.Store
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
			return &backend{store: st, broker: broker, leases: lease.NewMemoryStore()}
		},
		"postgres+redis": func(t *testing.T) *backend {
			dbURL := pgtest.URL(t)
			redisURL, prefix := redistest.Prefix(t, "syncrun")
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
			return &backend{store: st, broker: broker, leases: lease.NewRedisStore(rdb, prefix+":watch")}
		},
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// mailboxes connects each integration to a connectortest.Mailbox of its
// own, made on first use, and counts the connectors built.
type mailboxes struct {
	opts  connectortest.MailboxOptions
	mu    sync.Mutex
	boxes map[string]*connectortest.Mailbox
	// password is what connectors authenticate with.
	password string
	built    atomic.Int32
}

func newMailboxes(opts connectortest.MailboxOptions) *mailboxes {
	return &mailboxes{opts: opts, boxes: map[string]*connectortest.Mailbox{}}
}

// of returns integration id's mailbox.
func (m *mailboxes) of(id string) *connectortest.Mailbox {
	m.mu.Lock()
	defer m.mu.Unlock()
	mb := m.boxes[id]
	if mb == nil {
		mb = connectortest.NewMailbox(m.opts)
		m.boxes[id] = mb
	}
	return mb
}

// connect is a syncrun.ConnectFunc: the integration's mailbox, with
// m.password.
func (m *mailboxes) connect(_ context.Context, in *store.Integration) (connector.Connector, error) {
	m.built.Add(1)
	m.mu.Lock()
	password := m.password
	m.mu.Unlock()
	return m.of(in.ID).Connect(connector.Credentials{Password: password}), nil
}

// setPassword changes what connectors authenticate with.
func (m *mailboxes) setPassword(p string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.password = p
}

// deliver puts n new messages into integration id's mailbox.
func (m *mailboxes) deliver(t *testing.T, id string, n int) {
	t.Helper()
	mb := m.of(id)
	for range n {
		k := mb.Len() + 1
		_, err := mb.Deliver(fmt.Appendf(nil, "From: customer%d@example.org\r\nSubject: Question %d\r\nMessage-ID: <q%d.%s@example.org>\r\n\r\nHello\r\n", k, k, k, id))
		require.NoError(t, err)
	}
}

// newIntegration stores an active integration of provider for tenant
// "acme".
func newIntegration(t *testing.T, st store.Store, provider string) *store.Integration {
	t.Helper()
	in := &store.Integration{TenantID: "acme", Provider: provider, Name: "Support"}
	require.NoError(t, st.CreateIntegration(t.Context(), in, connector.Credentials{}))
	return in
}

// newRunner returns a Runner on b whose connectors are mbs', publishing
// into a recorder.
func newRunner(t *testing.T, b *backend, mbs *mailboxes, opts syncrun.Options) (*syncrun.Runner, *published) {
	t.Helper()
	pub := &published{}
	if opts.Connect == nil {
		opts.Connect = mbs.connect
	}
	if opts.Publish == nil {
		opts.Publish = pub.add
	}
	if opts.Logger == nil {
		opts.Logger = quiet()
	}
	r, err := syncrun.New(b.store, b.broker, opts)
	require.NoError(t, err)
	return r, pub
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

// types returns how many events of each type were published.
func (p *published) types() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := map[string]int{}
	for _, ev := range p.events {
		n[ev.Type]++
	}
	return n
}

// storedEvents returns the integration's stored events.
func storedEvents(t *testing.T, st store.Store, in *store.Integration) []*store.Event {
	t.Helper()
	var all []*store.Event
	opts := store.ListEventsOptions{IntegrationID: in.ID, ListOptions: store.ListOptions{Limit: store.MaxLimit}}
	for {
		page, err := st.ListEvents(t.Context(), in.TenantID, opts)
		require.NoError(t, err)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		opts.Cursor = page.NextCursor
	}
}

// eventTypes counts events by type.
func eventTypes(events []*store.Event) map[string]int {
	n := map[string]int{}
	for _, ev := range events {
		n[ev.Type]++
	}
	return n
}

// hooked is a store whose CommitSync calls before (when set) first,
// with the number of the call (from 1), and fails when it returns an
// error.
type hooked struct {
	store.Store
	calls  atomic.Int32
	before func(n int) error
}

func (h *hooked) CommitSync(ctx context.Context, c *store.SyncCommit) (*store.SyncResult, error) {
	n := int(h.calls.Add(1))
	if h.before != nil {
		if err := h.before(n); err != nil {
			return nil, err
		}
	}
	return h.Store.CommitSync(ctx, c)
}
