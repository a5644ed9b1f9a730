package queue_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

func TestRedisRunsEveryJob(t *testing.T) {
	t.Parallel()
	b, _ := newTestRedis(t, queue.RedisOptions{})
	ctx := context.Background()
	const n = 500
	ids := map[string]bool{}
	for i := range n {
		res, err := b.Enqueue(ctx, "echo", fmt.Appendf(nil, "%d", i))
		require.NoError(t, err)
		require.False(t, res.Duplicate)
		require.Equal(t, queue.DefaultQueue, res.Queue)
		ids[res.ID] = true
	}
	require.Len(t, ids, n)
	st := queueStats(t, b, queue.DefaultQueue)
	require.EqualValues(t, n, st.Pending)
	require.Positive(t, st.OldestPending)

	log := newRunLog()
	runWorker(t, b, log.handler(nil), queue.WorkerConfig{Concurrency: 20})
	for range n {
		j := log.next(t, 10*time.Second)
		require.True(t, ids[j.ID])
		require.Equal(t, 1, j.Attempt)
		require.Equal(t, queue.DefaultMaxAttempts, j.MaxAttempts)
	}
	require.Eventually(t, func() bool {
		st := queueStats(t, b, queue.DefaultQueue)
		return st.Processed == n && st.Pending == 0 && st.Active == 0
	}, 5*time.Second, 10*time.Millisecond)
	for id := range ids {
		require.Equal(t, 1, log.count(id), id)
	}
}

func TestRedisJobFields(t *testing.T) {
	t.Parallel()
	b, _ := newTestRedis(t, queue.RedisOptions{})
	ctx := context.Background()
	log := newRunLog()
	runWorker(t, b, log.handler(nil), queue.WorkerConfig{Queues: map[string]int{"fields": 1}})
	before := time.Now()
	payload := []byte{0, 1, 2, 255, '\n'}
	res, err := b.Enqueue(ctx, "fields", payload, queue.OnQueue("fields"), queue.ID("job-1"),
		queue.MaxAttempts(3), queue.Unique("u-1"), queue.Timeout(time.Minute))
	require.NoError(t, err)
	require.Equal(t, "job-1", res.ID)
	j := log.next(t, 5*time.Second)
	require.Equal(t, "job-1", j.ID)
	require.Equal(t, "fields", j.Type)
	require.Equal(t, "fields", j.Queue)
	require.Equal(t, payload, j.Payload)
	require.Equal(t, 1, j.Attempt)
	require.Equal(t, 3, j.MaxAttempts)
	require.Equal(t, "u-1", j.UniqueKey)
	require.WithinDuration(t, before, j.EnqueuedAt, time.Second)
}

// msSlack is how early a job may run against a time in nanoseconds: the
// broker keeps due times in milliseconds.
const msSlack = 2 * time.Millisecond

func TestRedisDelay(t *testing.T) {
	t.Parallel()
	b, _ := newTestRedis(t, queue.RedisOptions{})
	ctx := context.Background()
	log := newRunLog()
	runWorker(t, b, log.handler(nil), queue.WorkerConfig{})
	start := time.Now()
	_, err := b.Enqueue(ctx, "later", nil, queue.Delay(300*time.Millisecond))
	require.NoError(t, err)
	_, err = b.Enqueue(ctx, "at", nil, queue.RunAt(start.Add(600*time.Millisecond)))
	require.NoError(t, err)
	require.EqualValues(t, 2, queueStats(t, b, queue.DefaultQueue).Scheduled)
	j := log.next(t, 5*time.Second)
	require.Equal(t, "later", j.Type)
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond-msSlack)
	j = log.next(t, 5*time.Second)
	require.Equal(t, "at", j.Type)
	require.GreaterOrEqual(t, time.Since(start), 600*time.Millisecond-msSlack)
}

func TestRedisRetryThenDead(t *testing.T) {
	t.Parallel()
	b, _ := newTestRedis(t, queue.RedisOptions{})
	ctx := context.Background()
	log := newRunLog()
	boom := errors.New("boom")
	runWorker(t, b, log.handler(func(context.Context, *queue.Job) error { return boom }), queue.WorkerConfig{
		Backoff: func(int) time.Duration { return 20 * time.Millisecond },
	})
	res, err := b.Enqueue(ctx, "fails", []byte("p"), queue.MaxAttempts(3))
	require.NoError(t, err)
	for attempt := 1; attempt <= 3; attempt++ {
		j := log.next(t, 5*time.Second)
		require.Equal(t, attempt, j.Attempt)
		if attempt > 1 {
			require.Equal(t, "boom", j.LastError)
		}
	}
	var dead []*queue.JobInfo
	require.Eventually(t, func() bool {
		dead, err = b.Dead(ctx, queue.DefaultQueue, 10)
		require.NoError(t, err)
		return len(dead) == 1
	}, 5*time.Second, 10*time.Millisecond)
	d := dead[0]
	require.Equal(t, res.ID, d.ID)
	require.Equal(t, queue.StateDead, d.State)
	require.Equal(t, 3, d.Attempts)
	require.Equal(t, "boom", d.LastError)
	require.Equal(t, []byte("p"), d.Payload)
	require.False(t, d.FailedAt.IsZero())
	st := queueStats(t, b, queue.DefaultQueue)
	require.EqualValues(t, 3, st.Failed)
	require.EqualValues(t, 1, st.Dead)

	one, err := b.DeadJob(ctx, queue.DefaultQueue, res.ID)
	require.NoError(t, err)
	require.Equal(t, d, one)

	// Requeued, it runs again from attempt 1.
	require.NoError(t, b.RequeueDead(ctx, queue.DefaultQueue, res.ID))
	j := log.next(t, 5*time.Second)
	require.Equal(t, res.ID, j.ID)
	require.Equal(t, 1, j.Attempt)
	for range 2 {
		log.next(t, 5*time.Second)
	}
	require.Eventually(t, func() bool {
		_, err := b.DeadJob(ctx, queue.DefaultQueue, res.ID)
		return err == nil
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, b.DeleteDead(ctx, queue.DefaultQueue, res.ID))
	_, err = b.DeadJob(ctx, queue.DefaultQueue, res.ID)
	require.ErrorIs(t, err, queue.ErrNotFound)
	require.ErrorIs(t, b.DeleteDead(ctx, queue.DefaultQueue, res.ID), queue.ErrNotFound)
	require.ErrorIs(t, b.RequeueDead(ctx, queue.DefaultQueue, res.ID), queue.ErrNotFound)
}

func TestRedisSkipRetryAndRetryAt(t *testing.T) {
	t.Parallel()
	b, _ := newTestRedis(t, queue.RedisOptions{})
	ctx := context.Background()
	log := newRunLog()
	runWorker(t, b, log.handler(func(_ context.Context, j *queue.Job) error {
		switch {
		case j.Type == "skip":
			return fmt.Errorf("bad input: %w", queue.ErrSkipRetry)
		case j.Attempt == 1:
			return queue.RetryAfter(400*time.Millisecond, errors.New("busy"))
		}
		return nil
	}), queue.WorkerConfig{})

	_, err := b.Enqueue(ctx, "skip", nil)
	require.NoError(t, err)
	log.next(t, 5*time.Second)
	require.Eventually(t, func() bool { return queueStats(t, b, queue.DefaultQueue).Dead == 1 }, 5*time.Second, 10*time.Millisecond)

	start := time.Now()
	_, err = b.Enqueue(ctx, "later", nil)
	require.NoError(t, err)
	require.Equal(t, 1, log.next(t, 5*time.Second).Attempt)
	require.Eventually(t, func() bool { return queueStats(t, b, queue.DefaultQueue).Retry == 1 }, 5*time.Second, 5*time.Millisecond)
	j := log.next(t, 5*time.Second)
	require.Equal(t, 2, j.Attempt)
	require.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond-msSlack)
}

func TestRedisPauseResume(t *testing.T) {
	t.Parallel()
	b, _ := newTestRedis(t, queue.RedisOptions{})
	ctx := context.Background()
	log := newRunLog()
	runWorker(t, b, log.handler(nil), queue.WorkerConfig{Queues: map[string]int{"p": 1, "other": 1}})
	time.Sleep(50 * time.Millisecond) // let the worker block
	require.NoError(t, b.Pause(ctx, "p"))
	_, err := b.Enqueue(ctx, "x", nil, queue.OnQueue("p"))
	require.NoError(t, err)
	_, err = b.Enqueue(ctx, "y", nil, queue.OnQueue("other"))
	require.NoError(t, err)
	require.Equal(t, "y", log.next(t, 5*time.Second).Type)
	time.Sleep(300 * time.Millisecond)
	require.Zero(t, log.count("x"))
	st := queueStats(t, b, "p")
	require.True(t, st.Paused)
	require.EqualValues(t, 1, st.Pending)
	require.NoError(t, b.Resume(ctx, "p"))
	require.Equal(t, "x", log.next(t, 5*time.Second).Type)
}

func TestRedisDuplicateID(t *testing.T) {
	t.Parallel()
	b, _ := newTestRedis(t, queue.RedisOptions{})
	ctx := context.Background()
	res, err := b.Enqueue(ctx, "t", nil, queue.ID("a"))
	require.NoError(t, err)
	require.False(t, res.Duplicate)
	res, err = b.Enqueue(ctx, "t", nil, queue.ID("a"))
	require.NoError(t, err)
	require.True(t, res.Duplicate)
	require.Equal(t, "a", res.ID)
	// Scheduled counts too.
	res, err = b.Enqueue(ctx, "t", nil, queue.ID("b"), queue.Delay(time.Hour))
	require.NoError(t, err)
	require.False(t, res.Duplicate)
	res, err = b.Enqueue(ctx, "t", nil, queue.ID("b"))
	require.NoError(t, err)
	require.True(t, res.Duplicate)
	st := queueStats(t, b, queue.DefaultQueue)
	require.EqualValues(t, 1, st.Pending)
	require.EqualValues(t, 1, st.Scheduled)

	log := newRunLog()
	runWorker(t, b, log.handler(nil), queue.WorkerConfig{})
	require.Equal(t, "a", log.next(t, 5*time.Second).ID)
	// Once done, the id can be used again.
	require.Eventually(t, func() bool {
		res, err = b.Enqueue(ctx, "t", nil, queue.ID("a"))
		require.NoError(t, err)
		return !res.Duplicate
	}, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, "a", log.next(t, 5*time.Second).ID)
}

func TestRedisInvalid(t *testing.T) {
	t.Parallel()
	b, _ := newTestRedis(t, queue.RedisOptions{})
	ctx := context.Background()
	_, err := b.Enqueue(ctx, "bad type", nil)
	require.ErrorIs(t, err, queue.ErrInvalid)
	_, err = b.Enqueue(ctx, "t", nil, queue.OnQueue("a{b}"))
	require.ErrorIs(t, err, queue.ErrInvalid)
	_, err = b.Dead(ctx, "q", -1)
	require.ErrorIs(t, err, queue.ErrInvalid)
	require.ErrorIs(t, b.Pause(ctx, "a:b"), queue.ErrInvalid)
}

func TestRedisClosed(t *testing.T) {
	t.Parallel()
	rdb := redisTestClient(t)
	b, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: redisTestPrefix(t, rdb), Logger: testLogger()})
	require.NoError(t, err)
	_, err = b.Enqueue(context.Background(), "t", nil)
	require.NoError(t, err)
	require.NoError(t, b.Close())
	require.NoError(t, b.Close())
	_, err = b.Enqueue(context.Background(), "t", nil)
	require.ErrorIs(t, err, queue.ErrClosed)
	require.NoError(t, rdb.Ping(context.Background()).Err(), "Close must not close the client")
}
