package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// receiver is a test events endpoint that answers each event's
// attempts from a script and verifies every signature.
type receiver struct {
	t        *testing.T
	srv      *httptest.Server
	secret   string
	verifier *webhook.Verifier

	mu       sync.Mutex
	script   map[string][]int // event type -> statuses, then 200
	attempts map[string][]time.Time
	bodies   map[string][]byte
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	s := webhook.GenerateSecret()
	v, err := webhook.NewVerifier([]webhook.Secret{s}, webhook.VerifierOptions{})
	require.NoError(t, err)
	rc := &receiver{t: t, secret: s.Encode(), verifier: v, script: map[string][]int{}, attempts: map[string][]time.Time{}, bodies: map[string][]byte{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
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
	status := http.StatusOK
	if s := rc.script[env.Type]; len(s) > 0 {
		status, rc.script[env.Type] = s[0], s[1:]
	}
	rc.mu.Unlock()
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
}

func (rc *receiver) times(id string) []time.Time {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]time.Time(nil), rc.attempts[id]...)
}

// startDeliveryApp serves an embedded App delivering to rc, with a
// short retry backoff.
func startDeliveryApp(t *testing.T, rc *receiver) *App {
	t.Helper()
	app := newTestApp(t, map[string]string{"EVENTS_WEBHOOK_URL": rc.srv.URL + "/events", "EVENTS_WEBHOOK_SECRET": rc.secret})
	app.eventBackoff = func(int) time.Duration { return 20 * time.Millisecond }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln, RoleAll) }()
	t.Cleanup(func() { cancel(); <-done })
	return app
}

// insertEvent stores an event of typ and returns it.
func insertEvent(t *testing.T, app *App, typ string) *store.Event {
	t.Helper()
	ev := newEvent("tenant-ev", "", typ, map[string]any{"n": 1})
	require.NoError(t, app.store.InsertEvents(context.Background(), ev))
	return ev
}

// waitStatus waits for the event to reach status and returns it.
func waitStatus(t *testing.T, app *App, id string, status store.EventStatus) *store.Event {
	t.Helper()
	var ev *store.Event
	require.Eventually(t, func() bool {
		var err error
		ev, err = app.store.GetEvent(context.Background(), "tenant-ev", id)
		require.NoError(t, err)
		return ev.Status == status
	}, 10*time.Second, 10*time.Millisecond, "event %s never %s", id, status)
	return ev
}

// TestEventDelivery: retried on 5xx and 429 (waiting out Retry-After),
// dead at once on another 4xx, redelivered on request, always signed
// with the event id as webhook-id and the documented envelope.
func TestEventDelivery(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	rc.script["t.500"] = []int{500, 502, 503}
	rc.script["t.429"] = []int{429}
	rc.script["t.400"] = []int{400}
	app := startDeliveryApp(t, rc)
	ctx := context.Background()

	e500, e429, e400 := insertEvent(t, app, "t.500"), insertEvent(t, app, "t.429"), insertEvent(t, app, "t.400")
	app.enqueueEvents(ctx, e500, e429, e400)

	got := waitStatus(t, app, e500.ID, store.EventDelivered)
	require.Equal(t, 4, got.Attempts)
	require.Len(t, rc.times(e500.ID), 4, "delivered on the fourth try")

	got = waitStatus(t, app, e429.ID, store.EventDelivered)
	require.Equal(t, 2, got.Attempts)
	tries := rc.times(e429.ID)
	require.Len(t, tries, 2)
	require.GreaterOrEqual(t, tries[1].Sub(tries[0]), time.Second, "Retry-After: 1 honoured")

	got = waitStatus(t, app, e400.ID, store.EventDead)
	require.Equal(t, 1, got.Attempts)
	require.Contains(t, got.LastError, "400")
	require.Len(t, rc.times(e400.ID), 1)

	var env map[string]any
	rc.mu.Lock()
	require.NoError(t, json.Unmarshal(rc.bodies[e500.ID], &env))
	rc.mu.Unlock()
	require.Equal(t, "t.500", env["type"])
	require.Equal(t, map[string]any{"n": float64(1), "tenant_id": "tenant-ev"}, env["data"])
	ts, err := time.Parse(time.RFC3339Nano, env["timestamp"].(string))
	require.NoError(t, err)
	require.WithinDuration(t, e500.CreatedAt, ts, time.Millisecond)

	// Redelivery of the dead event: pending, delivered, same webhook-id.
	_, err = app.store.RedeliverEvent(ctx, "tenant-ev", e400.ID)
	require.NoError(t, err)
	require.NoError(t, app.enqueueDelivery(ctx, e400, "-r1"))
	waitStatus(t, app, e400.ID, store.EventDelivered)
	require.Len(t, rc.times(e400.ID), 2)
}

// TestEventDeliveryDeadAfterLastAttempt: a receiver that keeps failing
// gets eventMaxAttempts tries, then the event is dead.
func TestEventDeliveryDeadAfterLastAttempt(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	rc.script["t.down"] = []int{500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500}
	app := startDeliveryApp(t, rc)
	ev := insertEvent(t, app, "t.down")
	app.enqueueEvents(context.Background(), ev)
	got := waitStatus(t, app, ev.ID, store.EventDead)
	require.Equal(t, eventMaxAttempts, got.Attempts)
	require.Len(t, rc.times(ev.ID), eventMaxAttempts)
}

// TestEventSweep: an event stored but never enqueued (a crash between
// commit and enqueue) is enqueued by the sweep once it is overdue, and
// delivered once even when swept twice.
func TestEventSweep(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	app := startDeliveryApp(t, rc)
	ctx := context.Background()
	ev := insertEvent(t, app, "t.lost")

	n, err := app.sweepEvents(ctx, time.Now())
	require.NoError(t, err)
	require.Zero(t, n, "not overdue yet: its own enqueue may still come")

	later := time.Now().Add(eventSweepGrace + time.Second)
	n, err = app.sweepEvents(ctx, later)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = app.sweepEvents(ctx, later)
	require.NoError(t, err)
	require.Zero(t, n, "claimed by the first sweep")
	waitStatus(t, app, ev.ID, store.EventDelivered)
	time.Sleep(100 * time.Millisecond)
	require.Len(t, rc.times(ev.ID), 1)
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "2": 2 * time.Second, "-3": 0, "junk": 0, "999999": time.Hour,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		require.Equal(t, want, parseRetryAfter(in, now), in)
	}
}

// TestEventDeliveryNoURL: without EVENTS_WEBHOOK_URL events stay pending.
func TestEventDeliveryNoURL(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, nil)
	ev := insertEvent(t, app, "t.x")
	require.NoError(t, app.runDeliverEvent(context.Background(), deliverJobFor(t, ev)))
	got, err := app.store.GetEvent(context.Background(), "tenant-ev", ev.ID)
	require.NoError(t, err)
	require.Equal(t, store.EventPending, got.Status)
}

func deliverJobFor(t *testing.T, ev *store.Event) *queue.Job {
	t.Helper()
	b, err := json.Marshal(deliverJob{TenantID: ev.TenantID, EventID: ev.ID})
	require.NoError(t, err)
	return &queue.Job{ID: "x", Type: jobDeliverEvent, Payload: b, Attempt: 1, MaxAttempts: eventMaxAttempts}
}
