package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/outbox"
)

// An outbox on the memory store and queue delivers an event to a
// platform that verifies its signature.
func Example() {
	ctx := context.Background()
	st, _ := memory.New(memory.Options{})
	defer st.Close()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()

	// The platform: it checks every delivery with the shared secret.
	secret := webhook.GenerateSecret()
	verifier, _ := webhook.NewVerifier([]webhook.Secret{secret}, webhook.VerifierOptions{})
	ids := make(chan string, 1)
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, body, err := verifier.VerifyRequest(r)
		if err != nil {
			http.Error(w, "unsigned", http.StatusUnauthorized)
			return
		}
		var env struct {
			Type string `json:"type"`
			Data struct {
				TenantID string `json:"tenant_id"`
				Subject  string `json:"subject"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &env)
		fmt.Printf("%s for %s: %q\n", env.Type, env.Data.TenantID, env.Data.Subject)
		ids <- d.ID
	}))
	defer platform.Close()

	// The outbox, its handlers and its sweep on a worker.
	signer, _ := webhook.NewSigner(secret)
	ob, err := outbox.New(st, broker, outbox.Options{URL: platform.URL + "/events", Signer: signer})
	if err != nil {
		panic(err)
	}
	var mux queue.Mux
	ob.Register(&mux)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, _ := queue.NewWorker(broker, &mux, queue.WorkerConfig{Periodic: []queue.Periodic{ob.Periodic()}, Logger: quiet})
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stop(); <-done }()

	// An event stored (here alone; usually with the change it reports,
	// in one transaction), then enqueued.
	ev, _ := store.NewEvent("acme", "", "message.received", map[string]string{"subject": "Where is my order?"})
	if err := st.InsertEvents(ctx, ev); err != nil {
		panic(err)
	}
	ob.Enqueue(ctx, ev)

	fmt.Println("webhook-id is the event's id:", <-ids == ev.ID)
	fmt.Println(waitDelivered(ctx, st, ev))
	// Output:
	// message.received for acme: "Where is my order?"
	// webhook-id is the event's id: true
	// delivered
}

// Hooks see every attempt: here a platform that is down once, then
// back.
func Example_hooks() {
	ctx := context.Background()
	st, _ := memory.New(memory.Options{})
	defer st.Close()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()

	var calls atomic.Int32
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer platform.Close()

	signer, _ := webhook.NewSigner(webhook.GenerateSecret())
	delivered := make(chan struct{})
	ob, err := outbox.New(st, broker, outbox.Options{
		URL: platform.URL, Signer: signer,
		Backoff: func(int) time.Duration { return 10 * time.Millisecond },
		Hooks: outbox.Hooks{
			// A metric would count r.Outcome and r.Class, and observe
			// r.Duration.
			AttemptEnd: func(_ context.Context, a outbox.Attempt, r outbox.Result) {
				fmt.Printf("%s: attempt %d: %s", a.Event.Type, a.Number, r.Outcome)
				if r.Class != "" {
					fmt.Printf(" (%s)", r.Class)
				}
				fmt.Println()
				if r.Outcome == outbox.Delivered {
					close(delivered)
				}
			},
		},
	})
	if err != nil {
		panic(err)
	}
	var mux queue.Mux
	ob.Register(&mux)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, _ := queue.NewWorker(broker, &mux, queue.WorkerConfig{Logger: quiet})
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stop(); <-done }()

	ev, _ := store.NewEvent("acme", "", "sync.completed", map[string]int{"inserted": 3})
	_ = st.InsertEvents(ctx, ev)
	ob.Enqueue(ctx, ev)
	<-delivered
	// Output:
	// sync.completed: attempt 1: retry (http_5xx: 503)
	// sync.completed: attempt 2: delivered
}

// waitDelivered waits (up to 10 s) for ev to leave pending and returns
// its status.
func waitDelivered(ctx context.Context, st store.Store, ev *store.Event) store.EventStatus {
	for range 1000 {
		got, err := st.GetEvent(ctx, ev.TenantID, ev.ID)
		if err == nil && got.Status != store.EventPending {
			return got.Status
		}
		time.Sleep(10 * time.Millisecond)
	}
	return store.EventPending
}
