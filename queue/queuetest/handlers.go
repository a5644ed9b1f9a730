package queuetest

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

type ctxKey struct{}

// Middleware given to Chain wraps the handler first-outermost, and can
// pass values down in the context.
func testMiddleware(t *testing.T, b queue.Broker) {
	var (
		mu    sync.Mutex
		trace []string
	)
	note := func(s string) {
		mu.Lock()
		trace = append(trace, s)
		mu.Unlock()
	}
	layer := func(name string) queue.Middleware {
		return func(next queue.Handler) queue.Handler {
			return queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
				note(name + " before " + job.Type)
				err := next.ProcessJob(context.WithValue(ctx, ctxKey{}, name), job)
				note(name + " after")
				return err
			})
		}
	}
	done := make(chan struct{})
	h := queue.HandlerFunc(func(ctx context.Context, _ *queue.Job) error {
		v, _ := ctx.Value(ctxKey{}).(string)
		note("handler sees " + v)
		return nil
	})
	startWorker(t, b, queue.Chain(queue.Chain(h, layer("outer"), layer("inner")), func(next queue.Handler) queue.Handler {
		return queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
			err := next.ProcessJob(ctx, job)
			close(done)
			return err
		})
	}), queue.WorkerConfig{})
	added(t, enqueue(t, b, "traced", nil))
	recv(t, done, "the job")
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{
		"outer before traced",
		"inner before traced",
		"handler sees inner",
		"inner after",
		"outer after",
	}, trace)
}

// A Mux routes each job to the handler of its type; a job of a type it
// has no handler for is dead after one run.
func testMuxRouting(t *testing.T, b queue.Broker) {
	routed := make(chan string, 4)
	var mux queue.Mux
	for _, typ := range []string{"email", "sms"} {
		mux.HandleFunc(typ, func(_ context.Context, job *queue.Job) error {
			routed <- typ + " handled " + job.Type
			return nil
		})
	}
	startWorker(t, b, &mux, queue.WorkerConfig{})
	added(t, enqueue(t, b, "email", nil))
	added(t, enqueue(t, b, "sms", nil))
	fax := added(t, enqueue(t, b, "fax", nil))

	got := map[string]bool{}
	for range 2 {
		got[recv(t, routed, "a routed job")] = true
	}
	require.Equal(t, map[string]bool{"email handled email": true, "sms handled sms": true}, got)
	s := waitStats(t, b, queue.DefaultQueue, "the unroutable job dead", func(s queue.Stats) bool {
		return s.Processed == 2 && s.Dead == 1 && settled(s)
	})
	require.Equal(t, int64(1), s.Failed)
	info := deadJob(t, b, fax)
	require.Equal(t, 1, info.Attempts, "no retries without a handler")
	require.Contains(t, info.LastError, "no handler")
	require.Contains(t, info.LastError, "fax")
}
