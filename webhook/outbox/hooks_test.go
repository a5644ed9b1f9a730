package outbox_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook/outbox"
)

// ctxKey marks the context AttemptStart returns.
type ctxKey struct{}

// TestHooks: AttemptStart is called before each attempt and its
// context is the request's and AttemptEnd's; Request can add a header
// to the signed request (the delivery still verifies); AttemptEnd
// gets the attempt's number, outcome, class, status and duration.
func TestHooks(t *testing.T) {
	t.Parallel()
	st, b := backends()[0].open(t)
	rc := newReceiver(t)
	rc.on("t.hooked", answer{status: 503})
	type call struct {
		a      outbox.Attempt
		r      outbox.Result
		marked any
	}
	var (
		mu     sync.Mutex
		starts []outbox.Attempt
		ends   []call
		traced []any
	)
	rec := &recorder{Broker: b}
	ob, err := outbox.New(st, rec, outbox.Options{URL: rc.srv.URL, Signer: rc.signer(t), Hooks: outbox.Hooks{
		AttemptStart: func(ctx context.Context, a outbox.Attempt) context.Context {
			mu.Lock()
			defer mu.Unlock()
			starts = append(starts, a)
			return context.WithValue(ctx, ctxKey{}, a.Number)
		},
		Request: func(req *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			traced = append(traced, req.Context().Value(ctxKey{}))
			req.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		},
		AttemptEnd: func(ctx context.Context, a outbox.Attempt, r outbox.Result) {
			mu.Lock()
			defer mu.Unlock()
			ends = append(ends, call{a, r, ctx.Value(ctxKey{})})
		},
	}})
	require.NoError(t, err)
	var mux queue.Mux
	ob.Register(&mux)
	ctx := context.Background()
	ev := newEvent(t, st, "t.hooked")
	ob.Enqueue(ctx, ev)
	job := rec.enqueued()[0]
	require.Error(t, mux.ProcessJob(ctx, job))
	job.Attempt = 2
	require.NoError(t, mux.ProcessJob(ctx, job))
	// No attempt, no hook: a duplicate job.
	require.NoError(t, mux.ProcessJob(ctx, job))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, starts, 2, "two attempts; none for the duplicate job")
	require.Equal(t, ev.ID, starts[0].Event.ID)
	require.Equal(t, 1, starts[0].Number)
	require.Equal(t, 2, starts[1].Number)
	require.Equal(t, outbox.DefaultMaxAttempts, starts[1].MaxAttempts)
	require.Equal(t, []any{1, 2}, traced, "the request is made with AttemptStart's context")
	require.Equal(t, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", rc.header(ev.ID).Get("Traceparent"))

	require.Len(t, ends, 2)
	first, second := ends[0], ends[1]
	require.Equal(t, 1, first.marked, "AttemptEnd gets AttemptStart's context")
	require.Equal(t, 1, first.a.Number)
	require.Equal(t, outbox.Retry, first.r.Outcome)
	require.Equal(t, "http_5xx: 503", first.r.Class)
	require.Equal(t, 503, first.r.Status)
	require.Positive(t, first.r.Duration)
	require.False(t, first.r.Next.IsZero())
	require.NoError(t, first.r.Err)
	require.Equal(t, outbox.Delivered, second.r.Outcome)
	require.Empty(t, second.r.Class)
	require.Equal(t, 200, second.r.Status)
	require.Equal(t, store.EventDelivered, getEvent(t, st, ev.ID).Status)
}
