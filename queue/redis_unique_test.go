package queue_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// Enqueues of one unique key racing from two brokers add one job.
func TestRedisUniqueConcurrent(t *testing.T) {
	t.Parallel()
	rdb := redisTestClient(t)
	prefix := redisTestPrefix(t, rdb)
	b1, _ := newTestRedis(t, queue.RedisOptions{Prefix: prefix})
	b2, _ := newTestRedis(t, queue.RedisOptions{Prefix: prefix})
	ctx := context.Background()
	var mu sync.Mutex
	var added []string
	ids := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 40 {
		b := b1
		if i%2 == 1 {
			b = b2
		}
		wg.Go(func() {
			res, err := b.Enqueue(ctx, "sync", fmt.Appendf(nil, "%d", i), queue.Unique("k"))
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			ids[res.ID] = true
			if !res.Duplicate {
				added = append(added, res.ID)
			}
		})
	}
	wg.Wait()
	require.Len(t, added, 1)
	require.Equal(t, map[string]bool{added[0]: true}, ids, "every duplicate names the job")
	require.EqualValues(t, 1, queueStats(t, b1, queue.DefaultQueue).Pending)
}

// A unique job held by a worker that died still holds its key: an enqueue
// records a follow-up, which runs after the job, claimed by another worker
// once its lease ran out, completes.
func TestRedisUniqueHeldByDeadWorker(t *testing.T) {
	t.Parallel()
	b, _ := newTestRedis(t, queue.RedisOptions{})
	ctx := context.Background()
	const lease = time.Second

	// The first worker gives up on its job's handler, which ignores its
	// context: the job stays leased and unrenewed, as after a crash.
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	taken := make(chan string, 1)
	w, err := queue.NewWorker(b, queue.HandlerFunc(func(_ context.Context, j *queue.Job) error {
		taken <- j.ID
		<-stuck
		return nil
	}), queue.WorkerConfig{Lease: lease, ShutdownTimeout: 10 * time.Millisecond, Logger: testLogger()})
	require.NoError(t, err)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()

	first, err := b.Enqueue(ctx, "sync", []byte("1"), queue.Unique("k"))
	require.NoError(t, err)
	require.Equal(t, first.ID, <-taken)
	stop()
	require.Error(t, <-done, "the worker abandons the stuck handler")

	res, err := b.Enqueue(ctx, "sync", []byte("2"), queue.Unique("k"))
	require.NoError(t, err)
	require.True(t, res.FollowUp, "%+v", res)
	follow := res.ID

	log := newRunLog()
	runWorker(t, b, log.handler(nil), queue.WorkerConfig{Lease: lease})
	j := log.next(t, 10*time.Second)
	require.Equal(t, first.ID, j.ID)
	require.Equal(t, 1, j.Attempt, "a crash is not an attempt")
	j = log.next(t, 10*time.Second)
	require.Equal(t, follow, j.ID)
	require.Equal(t, []byte("2"), j.Payload)
	require.Eventually(t, func() bool {
		st := queueStats(t, b, queue.DefaultQueue)
		return st.Processed == 2 && st.Pending+st.Active+st.Scheduled == 0
	}, 10*time.Second, 10*time.Millisecond)
}

// When a unique job dies, the follow-up recorded while it ran takes the
// key and runs; requeueing the dead job then merges it into a pending
// holder of the key.
func TestRedisUniqueDeadHolder(t *testing.T) {
	t.Parallel()
	b, _ := newTestRedis(t, queue.RedisOptions{})
	ctx := context.Background()
	release := make(chan struct{})
	log := newRunLog()
	runWorker(t, b, log.handler(func(_ context.Context, j *queue.Job) error {
		if string(j.Payload) == "dies" {
			<-release
			return fmt.Errorf("no: %w", queue.ErrSkipRetry)
		}
		return nil
	}), queue.WorkerConfig{Queues: map[string]int{"u": 1}})
	holder, err := b.Enqueue(ctx, "sync", []byte("dies"), queue.Unique("k"), queue.OnQueue("u"))
	require.NoError(t, err)
	require.Equal(t, holder.ID, log.next(t, 5*time.Second).ID)
	res, err := b.Enqueue(ctx, "sync", []byte("follows"), queue.Unique("k"), queue.OnQueue("u"))
	require.NoError(t, err)
	require.True(t, res.FollowUp)
	close(release)
	j := log.next(t, 5*time.Second)
	require.Equal(t, res.ID, j.ID)
	dead, err := b.DeadJob(ctx, "u", holder.ID)
	require.NoError(t, err)
	require.Equal(t, "k", dead.UniqueKey)

	// Hold the key with a scheduled job, then requeue the dead one: it
	// merges into the holder.
	require.Eventually(t, func() bool { return queueStats(t, b, "u").Processed == 1 }, 5*time.Second, 5*time.Millisecond)
	later, err := b.Enqueue(ctx, "sync", nil, queue.Unique("k"), queue.OnQueue("u"), queue.Delay(time.Hour))
	require.NoError(t, err)
	require.False(t, later.Duplicate)
	require.NoError(t, b.RequeueDead(ctx, "u", holder.ID))
	_, err = b.DeadJob(ctx, "u", holder.ID)
	require.ErrorIs(t, err, queue.ErrNotFound)
	st := queueStats(t, b, "u")
	require.Zero(t, st.Pending+st.Dead, "%+v", st)
	require.EqualValues(t, 1, st.Scheduled, "%+v", st)
}
