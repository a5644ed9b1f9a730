package queuetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// skipper is a handler that dead-letters every job on its first run and
// acknowledges it on any later one (after RequeueDead).
func skipper() (queue.HandlerFunc, <-chan queue.Job) {
	runs := make(chan queue.Job, 16)
	var n atomic.Int32
	return func(_ context.Context, job *queue.Job) error {
		runs <- *job
		if n.Add(1) == 1 {
			return fmt.Errorf("first run: %w", queue.ErrSkipRetry)
		}
		return nil
	}, runs
}

// Dead lists the most recent death first, up to its limit.
func testDeadOrder(t *testing.T, b queue.Broker) {
	startWorker(t, b, queue.HandlerFunc(func(context.Context, *queue.Job) error {
		return queue.ErrSkipRetry
	}), queue.WorkerConfig{})
	var ids []string
	for i := range 3 {
		ids = append(ids, added(t, enqueue(t, b, "doomed", nil)))
		waitStats(t, b, queue.DefaultQueue, fmt.Sprintf("death %d", i+1), func(s queue.Stats) bool {
			return s.Dead == int64(i+1)
		})
		time.Sleep(5 * time.Millisecond) // distinct times of death
	}
	list, err := b.Dead(context.Background(), queue.DefaultQueue, 10)
	require.NoError(t, err)
	require.Equal(t, []string{ids[2], ids[1], ids[0]}, infoIDs(list))
	list, err = b.Dead(context.Background(), queue.DefaultQueue, 2)
	require.NoError(t, err)
	require.Equal(t, []string{ids[2], ids[1]}, infoIDs(list))
	list, err = b.Dead(context.Background(), "elsewhere", 10)
	require.NoError(t, err)
	require.Empty(t, list, "another queue's dead jobs")
}

func infoIDs(list []*queue.JobInfo) []string {
	ids := make([]string, 0, len(list))
	for _, j := range list {
		ids = append(ids, j.ID)
	}
	return ids
}

// RequeueDead runs a dead job again from attempt 1; it is no longer dead.
func testRequeueDead(t *testing.T, b queue.Broker) {
	h, runs := skipper()
	startWorker(t, b, h, queue.WorkerConfig{})
	id := added(t, enqueue(t, b, "retry-me", []byte("p"), queue.MaxAttempts(5)))
	recv(t, runs, "the first run")
	waitStats(t, b, queue.DefaultQueue, "the job dead", func(s queue.Stats) bool { return s.Dead == 1 })
	deadJob(t, b, id)

	require.NoError(t, b.RequeueDead(context.Background(), queue.DefaultQueue, id))
	again := recv(t, runs, "the requeued run")
	require.Equal(t, id, again.ID)
	require.Equal(t, 1, again.Attempt, "attempts are reset")
	require.Equal(t, 5, again.MaxAttempts)
	require.Equal(t, []byte("p"), again.Payload)
	s := waitStats(t, b, queue.DefaultQueue, "the requeued run acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && settled(s)
	})
	require.Zero(t, s.Dead)
	_, err := b.DeadJob(context.Background(), queue.DefaultQueue, id)
	require.ErrorIs(t, err, queue.ErrNotFound)
	list, err := b.Dead(context.Background(), queue.DefaultQueue, 10)
	require.NoError(t, err)
	require.Empty(t, list)
	require.ErrorIs(t, b.RequeueDead(context.Background(), queue.DefaultQueue, id), queue.ErrNotFound)
	require.ErrorIs(t, b.RequeueDead(context.Background(), queue.DefaultQueue, "no-such-job"), queue.ErrNotFound)
}

// DeleteDead removes a dead job for good.
func testDeleteDead(t *testing.T, b queue.Broker) {
	h, runs := skipper()
	startWorker(t, b, h, queue.WorkerConfig{})
	id := added(t, enqueue(t, b, "delete-me", nil))
	recv(t, runs, "the run")
	waitStats(t, b, queue.DefaultQueue, "the job dead", func(s queue.Stats) bool { return s.Dead == 1 })

	require.NoError(t, b.DeleteDead(context.Background(), queue.DefaultQueue, id))
	s := queueStats(t, b, queue.DefaultQueue)
	require.Zero(t, s.Dead, "%+v", s)
	require.True(t, settled(s), "%+v", s)
	_, err := b.DeadJob(context.Background(), queue.DefaultQueue, id)
	require.ErrorIs(t, err, queue.ErrNotFound)
	list, err := b.Dead(context.Background(), queue.DefaultQueue, 10)
	require.NoError(t, err)
	require.Empty(t, list)
	require.ErrorIs(t, b.DeleteDead(context.Background(), queue.DefaultQueue, id), queue.ErrNotFound)
	require.ErrorIs(t, b.RequeueDead(context.Background(), queue.DefaultQueue, id), queue.ErrNotFound)
	never(t, runs, 100*time.Millisecond, "a deleted job ran")
}
