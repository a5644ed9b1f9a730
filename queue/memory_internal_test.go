package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The tests in this file drive a Memory through the worker-side methods
// directly, to do what a Worker never does on purpose: die with jobs
// leased, report late, race its own leases.

func memTestBroker(t *testing.T) *Memory {
	t.Helper()
	m := NewMemory(MemoryOptions{})
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func memTestEnqueue(t *testing.T, m *Memory, opts ...Option) *EnqueueResult {
	t.Helper()
	res, err := m.Enqueue(t.Context(), "job", []byte("payload"), opts...)
	require.NoError(t, err)
	return res
}

// memTestFetch fetches from the default queue, waiting up to block.
func memTestFetch(t *testing.T, m *Memory, lease, block time.Duration) []*delivery {
	t.Helper()
	ds, err := m.fetch(t.Context(), fetchRequest{queues: []string{DefaultQueue}, max: 10, block: block, lease: lease, consumer: "test"})
	require.NoError(t, err)
	return ds
}

func memTestStats(t *testing.T, m *Memory, queue string) Stats {
	t.Helper()
	all, err := m.Stats(t.Context())
	require.NoError(t, err)
	for _, s := range all {
		if s.Queue == queue {
			return s
		}
	}
	return Stats{Queue: queue}
}

// A worker that dies (never renews, never reports) loses its job when the
// lease runs out: a fetch blocked meanwhile is woken by the lease's timer
// and gets the job, the attempt not counted.
func TestMemoryCrashRecovery(t *testing.T) {
	m := memTestBroker(t)
	id := memTestEnqueue(t, m).ID
	const lease = 150 * time.Millisecond
	fetched := time.Now()
	dead := memTestFetch(t, m, lease, 0)
	require.Len(t, dead, 1)
	require.Equal(t, 1, dead[0].job.Attempt)

	// Blocks for an hour unless the lease's expiry wakes it.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ds, err := m.fetch(ctx, fetchRequest{queues: []string{DefaultQueue}, max: 1, block: time.Hour, lease: time.Minute, consumer: "survivor"})
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.GreaterOrEqual(t, time.Since(fetched), lease)
	require.Equal(t, id, ds[0].job.ID)
	require.Equal(t, 1, ds[0].job.Attempt, "a crash is not a failed attempt")
	require.Empty(t, ds[0].job.LastError)
	s := memTestStats(t, m, DefaultQueue)
	require.Equal(t, int64(1), s.Active)
	require.Zero(t, s.Failed)
}

// The dead worker's late reports are refused once its lease is lost; the
// new holder's count.
func TestMemoryStaleLease(t *testing.T) {
	m := memTestBroker(t)
	memTestEnqueue(t, m)
	old := memTestFetch(t, m, 50*time.Millisecond, 0)
	require.Len(t, old, 1)
	cur := memTestFetch(t, m, time.Minute, 5*time.Second)
	require.Len(t, cur, 1)

	ctx := t.Context()
	require.ErrorIs(t, m.complete(ctx, old[0]), errMemLeaseLost)
	require.ErrorIs(t, m.fail(ctx, old[0], time.Time{}, errors.New("late")), errMemLeaseLost)
	require.ErrorIs(t, m.release(ctx, old[0]), errMemLeaseLost)
	require.NoError(t, m.extend(ctx, "test", old, time.Hour), "a lost lease is skipped")
	s := memTestStats(t, m, DefaultQueue)
	require.Equal(t, Stats{Queue: DefaultQueue, Active: 1}, s)

	require.NoError(t, m.complete(ctx, cur[0]))
	require.ErrorIs(t, m.complete(ctx, cur[0]), errMemLeaseLost, "completing twice")
	s = memTestStats(t, m, DefaultQueue)
	require.Equal(t, Stats{Queue: DefaultQueue, Processed: 1}, s)
}

// extend keeps a job from others for as long as it is renewed.
func TestMemoryExtend(t *testing.T) {
	m := memTestBroker(t)
	memTestEnqueue(t, m)
	const lease = 150 * time.Millisecond
	held := memTestFetch(t, m, lease, 0)
	require.Len(t, held, 1)
	stop := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		tick := time.NewTicker(lease / 5)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = m.extend(context.Background(), "test", held, lease)
			}
		}
	}()
	require.Empty(t, memTestFetch(t, m, lease, 4*lease), "a renewed job was handed out")
	close(stop)
	<-renewed
	again := memTestFetch(t, m, lease, 10*time.Second)
	require.Len(t, again, 1, "the job once renewals stopped")
}

// A blocked fetch returns as soon as a job becomes available: enqueued,
// due, or in a resumed queue.
func TestMemoryFetchWakes(t *testing.T) {
	m := memTestBroker(t)
	fetchHour := func() <-chan []*delivery {
		out := make(chan []*delivery, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ds, _ := m.fetch(ctx, fetchRequest{queues: []string{DefaultQueue}, max: 1, block: time.Hour, lease: time.Minute})
			out <- ds
		}()
		return out
	}

	got := fetchHour()
	time.Sleep(20 * time.Millisecond)
	memTestEnqueue(t, m, ID("now"))
	require.Equal(t, "now", (<-got)[0].job.ID, "woken by an enqueue")

	got = fetchHour()
	start := time.Now()
	memTestEnqueue(t, m, ID("soon"), Delay(100*time.Millisecond))
	require.Equal(t, "soon", (<-got)[0].job.ID, "woken by the due time")
	require.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)

	require.NoError(t, m.Pause(t.Context(), DefaultQueue))
	memTestEnqueue(t, m, ID("held"))
	got = fetchHour()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, m.Resume(t.Context(), DefaultQueue))
	require.Equal(t, "held", (<-got)[0].job.ID, "woken by Resume")
}

// fetch takes up to max jobs from the queues in the order given, skipping
// paused and unknown queues; with block 0 it does not wait.
func TestMemoryFetchOrder(t *testing.T) {
	m := memTestBroker(t)
	for _, q := range []string{"a", "b", "c"} {
		for _, n := range []string{"1", "2"} {
			memTestEnqueue(t, m, OnQueue(q), ID(q+n))
		}
	}
	require.NoError(t, m.Pause(t.Context(), "b"))
	ds, err := m.fetch(t.Context(), fetchRequest{queues: []string{"nope", "b", "c", "a"}, max: 3, lease: time.Minute})
	require.NoError(t, err)
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.job.ID)
	}
	require.Equal(t, []string{"c1", "c2", "a1"}, ids)

	ds, err = m.fetch(t.Context(), fetchRequest{queues: []string{"b"}, max: 3, lease: time.Minute})
	require.NoError(t, err)
	require.Empty(t, ds, "a paused queue")
}

// Close wakes blocked fetches and fails every later call with ErrClosed.
func TestMemoryClose(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	memTestEnqueue(t, m)
	held := memTestFetch(t, m, time.Minute, 0)
	errc := make(chan error, 1)
	go func() {
		_, err := m.fetch(context.Background(), fetchRequest{queues: []string{DefaultQueue}, max: 1, block: time.Hour, lease: time.Minute})
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, m.Close())
	select {
	case err := <-errc:
		require.ErrorIs(t, err, ErrClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not wake a blocked fetch")
	}
	require.NoError(t, m.Close(), "closing twice")

	ctx := t.Context()
	_, err := m.Enqueue(ctx, "job", nil)
	require.ErrorIs(t, err, ErrClosed, "Enqueue")
	_, err = m.Stats(ctx)
	require.ErrorIs(t, err, ErrClosed, "Stats")
	_, err = m.Dead(ctx, DefaultQueue, 1)
	require.ErrorIs(t, err, ErrClosed, "Dead")
	_, err = m.DeadJob(ctx, DefaultQueue, "x")
	require.ErrorIs(t, err, ErrClosed, "DeadJob")
	require.ErrorIs(t, m.RequeueDead(ctx, DefaultQueue, "x"), ErrClosed, "RequeueDead")
	require.ErrorIs(t, m.DeleteDead(ctx, DefaultQueue, "x"), ErrClosed, "DeleteDead")
	require.ErrorIs(t, m.Pause(ctx, DefaultQueue), ErrClosed, "Pause")
	require.ErrorIs(t, m.Resume(ctx, DefaultQueue), ErrClosed, "Resume")
	_, err = m.fetch(ctx, fetchRequest{queues: []string{DefaultQueue}, max: 1})
	require.ErrorIs(t, err, ErrClosed, "fetch")
	require.ErrorIs(t, m.complete(ctx, held[0]), ErrClosed, "complete")
	require.ErrorIs(t, m.fail(ctx, held[0], time.Time{}, nil), ErrClosed, "fail")
	require.ErrorIs(t, m.release(ctx, held[0]), ErrClosed, "release")
	require.ErrorIs(t, m.extend(ctx, "", held, time.Minute), ErrClosed, "extend")
	require.ErrorIs(t, m.flush(ctx), ErrClosed, "flush")
}

// A done context fails calls with its error, and ends a blocked fetch.
func TestMemoryContext(t *testing.T) {
	m := memTestBroker(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := m.Enqueue(ctx, "job", nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, Stats{Queue: DefaultQueue}, memTestStats(t, m, DefaultQueue), "nothing enqueued")

	ctx, cancel = context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := m.fetch(ctx, fetchRequest{queues: []string{DefaultQueue}, max: 1, block: time.Hour})
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
}

// A once-key makes enqueues within its TTL duplicates, even after the job
// ran; it is scoped to its queue.
func TestMemoryOnce(t *testing.T) {
	m := memTestBroker(t)
	const ttl = 200 * time.Millisecond
	first := memTestEnqueue(t, m, once("slot", ttl))
	require.False(t, first.Duplicate)
	ds := memTestFetch(t, m, time.Minute, 0)
	require.Len(t, ds, 1)
	require.NoError(t, m.complete(t.Context(), ds[0]))

	again := memTestEnqueue(t, m, once("slot", ttl))
	require.True(t, again.Duplicate, "within the TTL, after the job ran")
	require.Equal(t, first.ID, again.ID)
	require.False(t, memTestEnqueue(t, m, once("slot", ttl), OnQueue("other")).Duplicate, "another queue")

	time.Sleep(ttl)
	require.False(t, memTestEnqueue(t, m, once("slot", ttl)).Duplicate, "after the TTL")
}

// A follow-up waits, counted as scheduled, through the running job's
// retries, and becomes pending when that job completes.
func TestMemoryFollowUpWaitsThroughRetry(t *testing.T) {
	m := memTestBroker(t)
	ctx := t.Context()
	holder := memTestEnqueue(t, m, Unique("k")).ID
	ds := memTestFetch(t, m, time.Minute, 0)
	follow := memTestEnqueue(t, m, Unique("k"))
	require.True(t, follow.FollowUp)
	require.Equal(t, int64(1), memTestStats(t, m, DefaultQueue).Scheduled, "the follow-up")

	require.NoError(t, m.fail(ctx, ds[0], time.Now().Add(50*time.Millisecond), errors.New("again")))
	dup := memTestEnqueue(t, m, Unique("k"))
	require.True(t, dup.Duplicate)
	require.Equal(t, holder, dup.ID, "the job waiting to retry holds the key")

	retry := memTestFetch(t, m, time.Minute, 10*time.Second)
	require.Len(t, retry, 1)
	require.Equal(t, holder, retry[0].job.ID)
	require.Equal(t, 2, retry[0].job.Attempt)
	dup = memTestEnqueue(t, m, Unique("k"))
	require.True(t, dup.Duplicate)
	require.Equal(t, follow.ID, dup.ID, "the follow-up is still recorded")

	require.NoError(t, m.complete(ctx, retry[0]))
	next := memTestFetch(t, m, time.Minute, 0)
	require.Len(t, next, 1)
	require.Equal(t, follow.ID, next[0].job.ID)
	require.Equal(t, 1, next[0].job.Attempt)
}

// A follow-up becomes pending when the running job dies, too.
func TestMemoryFollowUpAfterDeath(t *testing.T) {
	m := memTestBroker(t)
	memTestEnqueue(t, m, Unique("k"))
	ds := memTestFetch(t, m, time.Minute, 0)
	follow := memTestEnqueue(t, m, Unique("k"), Delay(50*time.Millisecond))
	require.True(t, follow.FollowUp)
	require.NoError(t, m.fail(t.Context(), ds[0], time.Time{}, ErrSkipRetry))
	require.Equal(t, int64(1), memTestStats(t, m, DefaultQueue).Scheduled, "the follow-up keeps its delay")
	next := memTestFetch(t, m, time.Minute, 10*time.Second)
	require.Len(t, next, 1)
	require.Equal(t, follow.ID, next[0].job.ID)
}

// A job enqueued with the same value as ID and unique key gets its
// follow-up under that id.
func TestMemoryFollowUpSameID(t *testing.T) {
	m := memTestBroker(t)
	memTestEnqueue(t, m, ID("sync:1"), Unique("sync:1"))
	ds := memTestFetch(t, m, time.Minute, 0)
	follow := memTestEnqueue(t, m, ID("sync:1"), Unique("sync:1"))
	require.True(t, follow.FollowUp)
	require.Equal(t, "sync:1", follow.ID)
	dup := memTestEnqueue(t, m, ID("sync:1"))
	require.True(t, dup.Duplicate, "the id is live")

	require.NoError(t, m.complete(t.Context(), ds[0]))
	next := memTestFetch(t, m, time.Minute, 0)
	require.Len(t, next, 1)
	require.Equal(t, "sync:1", next[0].job.ID)
	require.NoError(t, m.complete(t.Context(), next[0]))
	require.Equal(t, Stats{Queue: DefaultQueue, Processed: 2}, memTestStats(t, m, DefaultQueue))
}

// RequeueDead follows the rules of Enqueue when a live job holds the dead
// job's unique key, and refuses when one has its id.
func TestMemoryRequeueDeadConflicts(t *testing.T) {
	m := memTestBroker(t)
	ctx := t.Context()
	kill := func() string {
		t.Helper()
		ds := memTestFetch(t, m, time.Minute, 0)
		require.Len(t, ds, 1)
		require.NoError(t, m.fail(ctx, ds[0], time.Time{}, ErrSkipRetry))
		return ds[0].job.ID
	}
	memTestEnqueue(t, m, Unique("k"))
	deadK := kill()
	live := memTestEnqueue(t, m, Unique("k"))
	require.False(t, live.Duplicate)
	require.NoError(t, m.RequeueDead(ctx, DefaultQueue, deadK))
	s := memTestStats(t, m, DefaultQueue)
	require.Equal(t, Stats{Queue: DefaultQueue, Pending: 1, Failed: 1, OldestPending: s.OldestPending}, s,
		"merged into the pending job with its key")

	_ = memTestFetch(t, m, time.Minute, 0) // the live k job, now running
	memTestEnqueue(t, m, ID("x"))
	deadX := kill()
	require.Equal(t, "x", deadX)
	memTestEnqueue(t, m, ID("x"))
	require.ErrorIs(t, m.RequeueDead(ctx, DefaultQueue, "x"), ErrInvalid)
	_, err := m.DeadJob(ctx, DefaultQueue, "x")
	require.NoError(t, err, "still dead")
}

// Payloads are copied in and out: a handler that changes its job's
// payload changes nothing stored.
func TestMemoryPayloadCopies(t *testing.T) {
	m := memTestBroker(t)
	memTestEnqueue(t, m, MaxAttempts(2))
	ds := memTestFetch(t, m, time.Minute, 0)
	ds[0].job.Payload[0] = 'X'
	require.NoError(t, m.fail(t.Context(), ds[0], time.Now(), errors.New("once")))
	again := memTestFetch(t, m, time.Minute, 0)
	require.Len(t, again, 1)
	require.Equal(t, []byte("payload"), again[0].job.Payload)
	require.Equal(t, "once", again[0].job.LastError)
}

// Ids and unique keys are scoped to their queue.
func TestMemoryScopedToQueue(t *testing.T) {
	m := memTestBroker(t)
	for _, q := range []string{"a", "b"} {
		require.False(t, memTestEnqueue(t, m, OnQueue(q), ID("same")).Duplicate, q)
		require.False(t, memTestEnqueue(t, m, OnQueue(q), Unique("same")).Duplicate, q)
	}
}

// Invalid arguments of the inspection methods are refused.
func TestMemoryInvalidArguments(t *testing.T) {
	m := memTestBroker(t)
	ctx := t.Context()
	_, err := m.Dead(ctx, DefaultQueue, 0)
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorContains(t, err, "limit")
	require.ErrorIs(t, m.Pause(ctx, "bad queue"), ErrInvalid)
	require.ErrorIs(t, m.Resume(ctx, ""), ErrInvalid)
	_, err = m.DeadJob(ctx, "never-seen", "x")
	require.ErrorIs(t, err, ErrNotFound)
}
