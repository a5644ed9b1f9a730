package queuetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// Pause stops workers from starting a queue's jobs (other queues go on,
// enqueueing still works); Resume starts them again.
func testPauseResume(t *testing.T, b queue.Broker) {
	ctx := context.Background()
	require.NoError(t, b.Pause(ctx, "held"))
	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{Queues: map[string]int{"held": 1, "open": 1}})
	held := added(t, enqueue(t, b, "job", nil, queue.OnQueue("held")))
	open := added(t, enqueue(t, b, "job", nil, queue.OnQueue("open")))

	require.Equal(t, open, recv(t, runs, "the job of the open queue").job.ID)
	never(t, runs, 300*time.Millisecond, "a job of a paused queue ran")
	s := queueStats(t, b, "held")
	require.True(t, s.Paused, "%+v", s)
	require.Equal(t, int64(1), s.Pending, "%+v", s)

	require.NoError(t, b.Resume(ctx, "held"))
	require.Equal(t, held, recv(t, runs, "the job of the resumed queue").job.ID)
	s = waitStats(t, b, "held", "the resumed job acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && settled(s)
	})
	require.False(t, s.Paused)
}

// With StrictPriority and one job at a time, the higher queue is drained
// first, each queue in FIFO order. (The names do not sort by priority.)
func testStrictPriority(t *testing.T, b queue.Broker) {
	var want []string
	for i := range 5 {
		enqueue(t, b, "job", fmt.Appendf(nil, "bulk-%d", i), queue.OnQueue("bulk"))
	}
	for i := range 5 {
		enqueue(t, b, "job", fmt.Appendf(nil, "urgent-%d", i), queue.OnQueue("urgent"))
		want = append(want, fmt.Sprintf("urgent-%d", i))
	}
	for i := range 5 {
		want = append(want, fmt.Sprintf("bulk-%d", i))
	}
	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{
		Queues:         map[string]int{"urgent": 10, "bulk": 1},
		StrictPriority: true,
		Concurrency:    1,
	})
	var got []string
	for range want {
		got = append(got, string(recv(t, runs, "the next job").job.Payload))
	}
	require.Equal(t, want, got)
}

// With weights 3:1 and one job at a time, both queues are served from the
// start (the light one is not starved) and the heavy one more often.
func testWeightedPriority(t *testing.T, b queue.Broker) {
	const each = 100
	for i := range each {
		enqueue(t, b, "job", fmt.Appendf(nil, "%d", i), queue.OnQueue("heavy"))
		enqueue(t, b, "job", fmt.Appendf(nil, "%d", i), queue.OnQueue("light"))
	}
	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{
		Queues:      map[string]int{"heavy": 3, "light": 1},
		Concurrency: 1,
	})
	// Over the first 100 runs, while both queues have jobs, the light
	// queue's expected share is 25 (standard deviation 4.3): none at all
	// has a probability of 3e-13, 50 or more one of 4e-9.
	counts := map[string]int{}
	for range each {
		counts[recv(t, runs, "the next job").job.Queue]++
	}
	require.Positive(t, counts["light"], "the light queue was starved: %v", counts)
	require.Greater(t, counts["heavy"], counts["light"], "weights 3:1 gave %v", counts)
	for _, q := range []string{"heavy", "light"} {
		waitStats(t, b, q, "every job acknowledged", func(s queue.Stats) bool {
			return s.Processed == each && settled(s)
		})
	}
}
