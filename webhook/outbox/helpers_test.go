package outbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/secrets"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/outbox"
)

const tenant = "tenant-ob"

// backend opens a store and a broker of one kind for a test.
type backend struct {
	name string
	open func(t *testing.T) (store.Store, queue.Broker)
}

// backends are the memory store and queue, and PostgreSQL and Redis
// (in a schema and under a key prefix of the test's own; skipped
// without TEST_DATABASE_URL and TEST_REDIS_URL, failed under
// REQUIRE_SERVICES=1).
func backends() []backend {
	return []backend{
		{"memory", func(t *testing.T) (store.Store, queue.Broker) {
			st, err := memory.New(memory.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			b := queue.NewMemory(queue.MemoryOptions{})
			t.Cleanup(func() { _ = b.Close() })
			return st, b
		}},
		{"postgres+redis", func(t *testing.T) (store.Store, queue.Broker) {
			dbURL := pgtest.URL(t)
			redisURL, prefix := redistest.Prefix(t, "outbox")
			ring, err := secrets.GenerateKeyring()
			require.NoError(t, err)
			st, err := postgres.Open(context.Background(), dbURL, postgres.Options{Keyring: ring, Migrate: true})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			opt, err := redis.ParseURL(redisURL)
			require.NoError(t, err)
			rdb := redis.NewClient(opt)
			t.Cleanup(func() { _ = rdb.Close() })
			b, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: prefix})
			require.NoError(t, err)
			t.Cleanup(func() { _ = b.Close() })
			return st, b
		}},
	}
}

// eachBackend runs f as a parallel subtest on every backend.
func eachBackend(t *testing.T, f func(t *testing.T, st store.Store, b queue.Broker)) {
	t.Helper()
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			st, b := be.open(t)
			f(t, st, b)
		})
	}
}

// receiver is a test events endpoint: it verifies every delivery's
// signature and answers each event's attempts from a script.
type receiver struct {
	t        *testing.T
	srv      *httptest.Server
	secret   webhook.Secret
	verifier *webhook.Verifier

	mu sync.Mutex
	// script is, by event type, the answers to give before 200; an
	// answer's header is set on it.
	script   map[string][]answer
	attempts map[string][]time.Time // by webhook-id
	bodies   map[string][]byte
	headers  map[string]http.Header
}

// answer is a scripted answer of the receiver.
type answer struct {
	status int
	header map[string]string
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	s := webhook.GenerateSecret()
	v, err := webhook.NewVerifier([]webhook.Secret{s}, webhook.VerifierOptions{})
	require.NoError(t, err)
	rc := &receiver{t: t, secret: s, verifier: v, script: map[string][]answer{},
		attempts: map[string][]time.Time{}, bodies: map[string][]byte{}, headers: map[string]http.Header{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

// on scripts the answers to typ's attempts (then 200).
func (rc *receiver) on(typ string, answers ...answer) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.script[typ] = append(rc.script[typ], answers...)
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	d, body, err := rc.verifier.VerifyRequest(r)
	if err != nil {
		rc.t.Errorf("a delivery failed verification: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var env struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &env)
	rc.mu.Lock()
	rc.attempts[d.ID] = append(rc.attempts[d.ID], time.Now())
	rc.bodies[d.ID] = body
	rc.headers[d.ID] = r.Header.Clone()
	a := answer{status: http.StatusOK}
	if s := rc.script[env.Type]; len(s) > 0 {
		a, rc.script[env.Type] = s[0], s[1:]
	}
	rc.mu.Unlock()
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte("the receiver's words"))
}

// tries returns the times of the attempts of event id.
func (rc *receiver) tries(id string) []time.Time {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]time.Time(nil), rc.attempts[id]...)
}

// body returns the last body delivered for event id.
func (rc *receiver) body(id string) []byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.bodies[id]
}

// header returns the headers of the last delivery of event id.
func (rc *receiver) header(id string) http.Header {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.headers[id]
}

// signer signs with the receiver's secret.
func (rc *receiver) signer(t *testing.T) *webhook.Signer {
	t.Helper()
	s, err := webhook.NewSigner(rc.secret)
	require.NoError(t, err)
	return s
}

// recorder is a broker that records the jobs enqueued on it before
// passing them on, so that a test can run one by hand.
type recorder struct {
	queue.Broker
	mu   sync.Mutex
	jobs []*queue.Job
	// fail, when set, fails every enqueue without passing it on.
	fail error
}

func (r *recorder) Enqueue(ctx context.Context, typ string, payload []byte, opts ...queue.Option) (*queue.EnqueueResult, error) {
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	res, err := r.Broker.Enqueue(ctx, typ, payload, opts...)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, &queue.Job{ID: res.ID, Type: typ, Queue: res.Queue, Payload: payload, Attempt: 1, MaxAttempts: outbox.DefaultMaxAttempts})
	return res, nil
}

// enqueued returns the jobs recorded so far.
func (r *recorder) enqueued() []*queue.Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*queue.Job(nil), r.jobs...)
}

// newEvent stores a new event of typ for tenant and returns it.
func newEvent(t *testing.T, st store.Store, typ string) *store.Event {
	t.Helper()
	ev, err := store.NewEvent(tenant, "", typ, map[string]any{"n": 1})
	require.NoError(t, err)
	require.NoError(t, st.InsertEvents(context.Background(), ev))
	return ev
}

// getEvent returns the stored event id.
func getEvent(t *testing.T, st store.Store, id string) *store.Event {
	t.Helper()
	ev, err := st.GetEvent(context.Background(), tenant, id)
	require.NoError(t, err)
	return ev
}

// waitStatus waits for the event to reach status and returns it.
func waitStatus(t *testing.T, st store.Store, id string, status store.EventStatus) *store.Event {
	t.Helper()
	var ev *store.Event
	require.Eventually(t, func() bool {
		ev = getEvent(t, st, id)
		return ev.Status == status
	}, 15*time.Second, 10*time.Millisecond, "event %s never %s", id, status)
	return ev
}

// runWorker runs a worker of ob's jobs on b until the test ends.
func runWorker(t *testing.T, b queue.Broker, ob *outbox.Outbox, periodic ...queue.Periodic) {
	t.Helper()
	var mux queue.Mux
	ob.Register(&mux)
	w, err := queue.NewWorker(b, &mux, queue.WorkerConfig{Concurrency: 4, Periodic: periodic,
		Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
}

// fastBackoff is a short retry backoff for tests that wait for retries.
func fastBackoff(int) time.Duration { return 20 * time.Millisecond }
