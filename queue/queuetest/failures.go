package queuetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// deadJob requires exactly one dead job in the default queue, the same
// in Dead and DeadJob, and returns it.
func deadJob(t *testing.T, b queue.Broker, id string) *queue.JobInfo {
	t.Helper()
	list, err := b.Dead(context.Background(), queue.DefaultQueue, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	one, err := b.DeadJob(context.Background(), queue.DefaultQueue, id)
	require.NoError(t, err)
	require.Equal(t, list[0], one, "Dead and DeadJob disagree")
	require.Equal(t, id, one.ID)
	require.Equal(t, queue.StateDead, one.State)
	return one
}

// A job that keeps failing is retried with the backoff, then dead after
// MaxAttempts failed runs, with its attempts and last error kept.
func testMaxAttempts(t *testing.T, b queue.Broker) {
	var (
		mu      sync.Mutex
		backoff []int
	)
	attempts := make(chan queue.Job, 8)
	startWorker(t, b, queue.HandlerFunc(func(_ context.Context, job *queue.Job) error {
		attempts <- *job
		return fmt.Errorf("boom %d", job.Attempt)
	}), queue.WorkerConfig{Backoff: func(attempt int) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		backoff = append(backoff, attempt)
		return 10 * time.Millisecond
	}})

	before := time.Now().Truncate(time.Millisecond)
	id := added(t, enqueue(t, b, "flaky", []byte("data"), queue.MaxAttempts(3)))
	for i := 1; i <= 3; i++ {
		job := recv(t, attempts, fmt.Sprintf("attempt %d", i))
		require.Equal(t, id, job.ID)
		require.Equal(t, i, job.Attempt)
		require.Equal(t, 3, job.MaxAttempts)
		if i == 1 {
			require.Empty(t, job.LastError)
		} else {
			require.Contains(t, job.LastError, fmt.Sprintf("boom %d", i-1))
		}
	}
	s := waitStats(t, b, queue.DefaultQueue, "the job dead", func(s queue.Stats) bool {
		return s.Dead == 1 && settled(s)
	})
	require.Equal(t, int64(3), s.Failed, "%+v", s)
	require.Zero(t, s.Processed)
	never(t, attempts, 100*time.Millisecond, "a dead job ran")
	mu.Lock()
	require.Equal(t, []int{1, 2}, backoff, "Backoff is asked after each failed attempt but the last")
	mu.Unlock()

	info := deadJob(t, b, id)
	require.Equal(t, "flaky", info.Type)
	require.Equal(t, queue.DefaultQueue, info.Queue)
	require.Equal(t, []byte("data"), info.Payload)
	require.Equal(t, 3, info.Attempts)
	require.Equal(t, 3, info.MaxAttempts)
	require.Contains(t, info.LastError, "boom 3")
	require.False(t, info.EnqueuedAt.Before(before), "EnqueuedAt")
	require.False(t, info.FailedAt.Before(info.EnqueuedAt), "FailedAt %s before EnqueuedAt %s", info.FailedAt, info.EnqueuedAt)
}

// An error wrapping ErrSkipRetry dead-letters the job after one run.
func testSkipRetry(t *testing.T, b queue.Broker) {
	attempts := make(chan queue.Job, 4)
	startWorker(t, b, queue.HandlerFunc(func(_ context.Context, job *queue.Job) error {
		attempts <- *job
		return fmt.Errorf("malformed input: %w", queue.ErrSkipRetry)
	}), queue.WorkerConfig{})
	id := added(t, enqueue(t, b, "parse", nil))
	recv(t, attempts, "the run")
	s := waitStats(t, b, queue.DefaultQueue, "the job dead", func(s queue.Stats) bool {
		return s.Dead == 1 && settled(s)
	})
	require.Equal(t, int64(1), s.Failed)
	never(t, attempts, 100*time.Millisecond, "a job that said skip retry ran again")
	info := deadJob(t, b, id)
	require.Equal(t, 1, info.Attempts)
	require.Equal(t, queue.DefaultMaxAttempts, info.MaxAttempts)
	require.Contains(t, info.LastError, "malformed input")
}

// A panicking handler fails the run (it is retried) and does not stop the
// worker.
func testPanic(t *testing.T, b queue.Broker) {
	attempts := make(chan queue.Job, 4)
	startWorker(t, b, queue.HandlerFunc(func(_ context.Context, job *queue.Job) error {
		attempts <- *job
		if job.Attempt == 1 {
			panic("kaboom")
		}
		return nil
	}), queue.WorkerConfig{Concurrency: 1})
	id := added(t, enqueue(t, b, "fragile", nil))
	require.Equal(t, 1, recv(t, attempts, "the run that panics").Attempt)
	second := recv(t, attempts, "the retry")
	require.Equal(t, id, second.ID)
	require.Equal(t, 2, second.Attempt)
	require.Contains(t, second.LastError, "kaboom")
	s := waitStats(t, b, queue.DefaultQueue, "the retry acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && settled(s)
	})
	require.Equal(t, int64(1), s.Failed)
}

// A run's context ends at the job's Timeout, or the worker's JobTimeout
// for a job without one; the run fails.
func testTimeout(t *testing.T, b queue.Broker) {
	type ended struct {
		id       string
		start    time.Time
		deadline time.Time
		err      error
	}
	ends := make(chan ended, 4)
	startWorker(t, b, queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
		e := ended{id: job.ID, start: time.Now()}
		e.deadline, _ = ctx.Deadline()
		<-ctx.Done()
		e.err = ctx.Err()
		ends <- e
		return ctx.Err()
	}), queue.WorkerConfig{JobTimeout: 300 * time.Millisecond, Concurrency: 2})

	own := added(t, enqueue(t, b, "slow", nil, queue.Timeout(100*time.Millisecond), queue.MaxAttempts(1)))
	worker := added(t, enqueue(t, b, "slow", nil, queue.MaxAttempts(1)))
	limits := map[string]time.Duration{own: 100 * time.Millisecond, worker: 300 * time.Millisecond}
	for range 2 {
		e := recv(t, ends, "a run to time out")
		limit, ok := limits[e.id]
		require.True(t, ok)
		require.ErrorIs(t, e.err, context.DeadlineExceeded)
		require.False(t, e.deadline.IsZero(), "the context has no deadline")
		require.False(t, e.deadline.After(e.start.Add(limit)), "deadline %s after the run started, limit %s", e.deadline.Sub(e.start), limit)
		delete(limits, e.id)
	}
	s := waitStats(t, b, queue.DefaultQueue, "both dead", func(s queue.Stats) bool {
		return s.Dead == 2 && settled(s)
	})
	require.Equal(t, int64(2), s.Failed)
	info, err := b.DeadJob(context.Background(), queue.DefaultQueue, own)
	require.NoError(t, err)
	require.Contains(t, info.LastError, context.DeadlineExceeded.Error())
}
