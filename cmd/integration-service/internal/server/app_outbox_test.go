package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/outbox"
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

// insertEvent stores an event of typ and returns it.
func insertEvent(t *testing.T, app *App, typ string) *store.Event {
	t.Helper()
	ev, err := store.NewEvent("tenant-ev", "", typ, map[string]any{"n": 1})
	require.NoError(t, err)
	require.NoError(t, app.store.InsertEvents(context.Background(), ev))
	return ev
}

// TestEventDeliveryNoURL: without EVENTS_WEBHOOK_URL events stay pending.
func TestEventDeliveryNoURL(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, nil)
	ev := insertEvent(t, app, "t.x")
	require.NoError(t, app.jobs.ProcessJob(context.Background(), deliverJobFor(t, ev)))
	got, err := app.store.GetEvent(context.Background(), "tenant-ev", ev.ID)
	require.NoError(t, err)
	require.Equal(t, store.EventPending, got.Status)
}

func deliverJobFor(t *testing.T, ev *store.Event) *queue.Job {
	t.Helper()
	b, err := json.Marshal(map[string]string{"tenant_id": ev.TenantID, "event_id": ev.ID})
	require.NoError(t, err)
	return &queue.Job{ID: "x", Type: outbox.JobDeliver, Payload: b, Attempt: 1, MaxAttempts: outbox.DefaultMaxAttempts}
}
