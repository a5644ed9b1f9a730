package queuetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// A delayed job is scheduled, not pending, and does not run before its
// time; then it runs.
func testDelay(t *testing.T, b queue.Broker) {
	added(t, enqueue(t, b, "far", nil, queue.Delay(time.Hour)))
	s := queueStats(t, b, queue.DefaultQueue)
	require.Equal(t, int64(1), s.Scheduled, "%+v", s)
	require.Zero(t, s.Pending, "%+v", s)

	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{})
	const delay = 400 * time.Millisecond
	start := time.Now()
	id := added(t, enqueue(t, b, "soon", nil, queue.Delay(delay)))
	r := recv(t, runs, "the delayed job")
	require.Equal(t, id, r.job.ID)
	notBefore(t, r.at, start.Add(delay), "the delayed job ran")
	waitStats(t, b, queue.DefaultQueue, "the delayed job acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && s.Pending == 0 && s.Active == 0
	})
	s = queueStats(t, b, queue.DefaultQueue)
	require.Equal(t, int64(1), s.Scheduled, "the job an hour away: %+v", s)
	never(t, runs, 100*time.Millisecond, "the job an hour away ran")
}

// A job with a run-at time does not run before it; one with a time in
// the past runs too.
func testRunAt(t *testing.T, b queue.Broker) {
	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{})
	at := time.Now().Add(400 * time.Millisecond)
	later := added(t, enqueue(t, b, "at", nil, queue.RunAt(at)))
	past := added(t, enqueue(t, b, "past", nil, queue.RunAt(time.Now().Add(-time.Hour))))

	got := map[string]run{}
	for range 2 {
		r := recv(t, runs, "the two jobs")
		got[r.job.ID] = r
	}
	require.Contains(t, got, past)
	require.Contains(t, got, later)
	notBefore(t, got[later].at, at, "the job with a run-at time ran")
}

// RetryAt sets the next attempt's time, instead of the backoff (here
// 1 ms); the attempt counts and the error is passed on.
func testRetryAt(t *testing.T, b queue.Broker) {
	type attempt struct {
		job   queue.Job
		at    time.Time
		retry time.Time
	}
	attempts := make(chan attempt, 4)
	startWorker(t, b, queue.HandlerFunc(func(_ context.Context, job *queue.Job) error {
		a := attempt{job: *job, at: time.Now()}
		if job.Attempt == 1 {
			a.retry = time.Now().Add(400 * time.Millisecond)
			attempts <- a
			return queue.RetryAt(a.retry, errors.New("upstream busy"))
		}
		attempts <- a
		return nil
	}), queue.WorkerConfig{Backoff: func(int) time.Duration { return time.Millisecond }})

	id := added(t, enqueue(t, b, "rate-limited", nil))
	first := recv(t, attempts, "the first attempt")
	require.Equal(t, id, first.job.ID)
	second := recv(t, attempts, "the retry")
	require.Equal(t, id, second.job.ID)
	require.Equal(t, 2, second.job.Attempt)
	require.Contains(t, second.job.LastError, "upstream busy")
	notBefore(t, second.at, first.retry, "the retry ran")
	s := waitStats(t, b, queue.DefaultQueue, "the retry acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && settled(s)
	})
	require.Equal(t, int64(1), s.Failed, "%+v", s)
	require.Zero(t, s.Dead)
}
