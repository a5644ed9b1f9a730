package queuetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// Stats counts each queue's jobs by state, its processed and failed runs,
// and the age of its oldest pending job.
func testStats(t *testing.T, b queue.Broker) {
	ctx := context.Background()
	release := make(chan struct{})
	var mux queue.Mux
	mux.HandleFunc("ok", func(context.Context, *queue.Job) error { return nil })
	mux.HandleFunc("dead", func(context.Context, *queue.Job) error { return queue.ErrSkipRetry })
	mux.HandleFunc("retry", func(context.Context, *queue.Job) error {
		return queue.RetryAfter(time.Hour, context.DeadlineExceeded)
	})
	mux.HandleFunc("block", func(ctx context.Context, _ *queue.Job) error { return wait(ctx, release) })
	defer close(release)
	startWorker(t, b, &mux, queue.WorkerConfig{Queues: map[string]int{"work": 1}})
	for _, typ := range []string{"ok", "dead", "retry", "block"} {
		added(t, enqueue(t, b, typ, nil, queue.OnQueue("work")))
	}
	for range 2 {
		added(t, enqueue(t, b, "waiting", nil, queue.OnQueue("idle")))
	}
	added(t, enqueue(t, b, "waiting", nil, queue.OnQueue("idle"), queue.Delay(time.Hour)))

	work := waitStats(t, b, "work", "one job of each outcome", func(s queue.Stats) bool {
		return s.Processed == 1 && s.Failed == 2 && s.Dead == 1 && s.Retry == 1 && s.Active == 1
	})
	require.Equal(t, queue.Stats{
		Queue: "work", Active: 1, Retry: 1, Dead: 1, Processed: 1, Failed: 2,
	}, work)

	time.Sleep(20 * time.Millisecond)
	idle := queueStats(t, b, "idle")
	require.Equal(t, int64(2), idle.Pending, "%+v", idle)
	require.Equal(t, int64(1), idle.Scheduled, "%+v", idle)
	require.Positive(t, idle.OldestPending, "two jobs have waited 20 ms: %+v", idle)
	require.Less(t, idle.OldestPending, time.Hour, "%+v", idle)
	idle.OldestPending = 0
	require.Equal(t, queue.Stats{Queue: "idle", Pending: 2, Scheduled: 1}, idle)

	all, err := b.Stats(ctx)
	require.NoError(t, err)
	var names []string
	for _, s := range all {
		names = append(names, s.Queue)
	}
	require.True(t, slices.IsSorted(names), "Stats not sorted by name: %v", names)
	require.Contains(t, names, "work")
	require.Contains(t, names, "idle")
}
