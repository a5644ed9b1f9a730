package queuetest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// duplicate requires res to say that nothing was added because of the
// job with id want.
func duplicate(t *testing.T, res *queue.EnqueueResult, want string) {
	t.Helper()
	require.True(t, res.Duplicate, "Duplicate")
	require.False(t, res.FollowUp, "FollowUp")
	require.Equal(t, want, res.ID, "the id of the job that made it a duplicate")
}

// An id that is pending, scheduled or running is a duplicate; once its job
// is done, the id can be used again.
func testIDDuplicate(t *testing.T, b queue.Broker) {
	require.Equal(t, "job-1", added(t, enqueue(t, b, "a", []byte("first"), queue.ID("job-1"))))
	duplicate(t, enqueue(t, b, "a", []byte("second"), queue.ID("job-1")), "job-1")
	require.Equal(t, "later", added(t, enqueue(t, b, "a", nil, queue.ID("later"), queue.Delay(time.Hour))))
	duplicate(t, enqueue(t, b, "a", nil, queue.ID("later")), "later")
	s := queueStats(t, b, queue.DefaultQueue)
	require.Equal(t, int64(1), s.Pending, "%+v", s)
	require.Equal(t, int64(1), s.Scheduled, "%+v", s)

	started := make(chan queue.Job, 4)
	release := make(chan struct{})
	startWorker(t, b, queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
		started <- *job
		return wait(ctx, release)
	}), queue.WorkerConfig{})
	first := recv(t, started, "job-1 to start")
	require.Equal(t, "job-1", first.ID)
	require.Equal(t, []byte("first"), first.Payload, "the duplicate replaced the pending job")
	duplicate(t, enqueue(t, b, "a", nil, queue.ID("job-1")), "job-1")

	close(release)
	waitStats(t, b, queue.DefaultQueue, "job-1 acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && s.Pending == 0 && s.Active == 0
	})
	require.Equal(t, "job-1", added(t, enqueue(t, b, "a", []byte("third"), queue.ID("job-1"))))
	again := recv(t, started, "job-1 to run again")
	require.Equal(t, []byte("third"), again.Payload)
	waitStats(t, b, queue.DefaultQueue, "the second job-1 acknowledged", func(s queue.Stats) bool {
		return s.Processed == 2 && s.Pending == 0 && s.Active == 0
	})
	never(t, started, 100*time.Millisecond, "a duplicate ran")
}

// While a job with a unique key is pending or scheduled, enqueueing the
// key again is a no-op that names that job.
func testUniquePending(t *testing.T, b queue.Broker) {
	k := added(t, enqueue(t, b, "sync", []byte("1"), queue.Unique("sync:1")))
	duplicate(t, enqueue(t, b, "sync", []byte("1 again"), queue.Unique("sync:1")), k)
	duplicate(t, enqueue(t, b, "sync", nil, queue.Unique("sync:1"), queue.Delay(time.Hour)), k)
	other := added(t, enqueue(t, b, "sync", []byte("2"), queue.Unique("sync:2")))
	require.NotEqual(t, k, other)
	later := added(t, enqueue(t, b, "sync", nil, queue.Unique("sync:3"), queue.Delay(time.Hour)))
	duplicate(t, enqueue(t, b, "sync", nil, queue.Unique("sync:3")), later)
	s := queueStats(t, b, queue.DefaultQueue)
	require.Equal(t, int64(2), s.Pending, "%+v", s)
	require.Equal(t, int64(1), s.Scheduled, "%+v", s)

	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{})
	got := map[string][]byte{}
	for range 2 {
		r := recv(t, runs, "a unique job")
		got[r.job.UniqueKey] = r.job.Payload
	}
	require.Equal(t, map[string][]byte{"sync:1": []byte("1"), "sync:2": []byte("2")}, got)
	waitStats(t, b, queue.DefaultQueue, "both acknowledged", func(s queue.Stats) bool {
		return s.Processed == 2 && s.Pending == 0 && s.Active == 0
	})
	never(t, runs, 100*time.Millisecond, "a duplicate ran")
}

// An enqueue of a unique key while its job runs records exactly one
// follow-up run, however many enqueues arrive; it starts after the
// running one finishes. Afterwards the key is free.
func testUniqueRunning(t *testing.T, b queue.Broker) {
	var n atomic.Int32
	started := make(chan queue.Job, 8)
	release := make(chan struct{})
	startWorker(t, b, queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
		first := n.Add(1) == 1
		started <- *job
		if first {
			return wait(ctx, release)
		}
		return nil
	}), queue.WorkerConfig{Concurrency: 4})

	id := added(t, enqueue(t, b, "sync", []byte("run 1"), queue.Unique("k")))
	require.Equal(t, id, recv(t, started, "the first run").ID)

	res := enqueue(t, b, "sync", []byte("run 2"), queue.Unique("k"))
	require.True(t, res.FollowUp, "an enqueue while the job runs records a follow-up: %+v", res)
	require.False(t, res.Duplicate)
	require.NotEmpty(t, res.ID)
	follow := res.ID
	for range 4 {
		duplicate(t, enqueue(t, b, "sync", []byte("more"), queue.Unique("k")), follow)
	}
	never(t, started, 200*time.Millisecond, "the follow-up started while the first run was running")

	close(release)
	second := recv(t, started, "the follow-up run")
	require.Equal(t, follow, second.ID)
	require.Equal(t, "k", second.UniqueKey)
	require.Equal(t, []byte("run 2"), second.Payload)
	waitStats(t, b, queue.DefaultQueue, "both runs acknowledged", func(s queue.Stats) bool {
		return s.Processed == 2 && settled(s)
	})
	require.Equal(t, int32(2), n.Load(), "runs")

	added(t, enqueue(t, b, "sync", []byte("run 3"), queue.Unique("k")))
	require.Equal(t, []byte("run 3"), recv(t, started, "a run after the key was freed").Payload)
	waitStats(t, b, queue.DefaultQueue, "the third run acknowledged", func(s queue.Stats) bool {
		return s.Processed == 3 && settled(s)
	})
	require.Equal(t, int32(3), n.Load(), "runs")
}

// A job waiting for its retry still holds its id and unique key.
func testDuplicateWhileRetrying(t *testing.T, b queue.Broker) {
	runs := make(chan queue.Job, 4)
	startWorker(t, b, queue.HandlerFunc(func(_ context.Context, job *queue.Job) error {
		runs <- *job
		return queue.RetryAfter(time.Hour, errors.New("later"))
	}), queue.WorkerConfig{})
	byID := added(t, enqueue(t, b, "a", nil, queue.ID("x")))
	byKey := added(t, enqueue(t, b, "a", nil, queue.Unique("k")))
	recv(t, runs, "a first run")
	recv(t, runs, "a first run")
	waitStats(t, b, queue.DefaultQueue, "both waiting to retry", func(s queue.Stats) bool {
		return s.Retry == 2 && s.Active == 0
	})
	duplicate(t, enqueue(t, b, "a", nil, queue.ID("x")), byID)
	duplicate(t, enqueue(t, b, "a", nil, queue.Unique("k")), byKey)
	s := queueStats(t, b, queue.DefaultQueue)
	require.Equal(t, queue.Stats{Queue: queue.DefaultQueue, Retry: 2, Failed: 2}, s)
	never(t, runs, 100*time.Millisecond, "a duplicate ran")
}
