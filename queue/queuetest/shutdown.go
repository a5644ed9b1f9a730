package queuetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// A job still running when the worker's context ends finishes within
// ShutdownTimeout, with its context intact, and is acknowledged; the
// worker takes no new job meanwhile.
func testGracefulFinish(t *testing.T, b queue.Broker) {
	started := make(chan string, 2)
	release := make(chan struct{})
	ctxErr := make(chan error, 2)
	w := startWorker(t, b, queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
		started <- job.ID
		err := wait(ctx, release)
		ctxErr <- err
		return err
	}), queue.WorkerConfig{Concurrency: 1, ShutdownTimeout: 10 * time.Second})
	id := added(t, enqueue(t, b, "long", nil))
	require.Equal(t, id, recv(t, started, "the job"))

	w.cancel()
	added(t, enqueue(t, b, "late", nil))
	time.Sleep(100 * time.Millisecond)
	close(release)
	require.NoError(t, w.stop(t))
	require.NoError(t, recv(t, ctxErr, "the handler's return"), "the job's context was cancelled within ShutdownTimeout")
	never(t, started, 0, "the stopping worker started a new job")
	s := waitStats(t, b, queue.DefaultQueue, "the job acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && s.Active == 0
	})
	require.Equal(t, int64(1), s.Pending, "the job enqueued during shutdown waits: %+v", s)
	require.Zero(t, s.Failed)
}

// A job that outlives ShutdownTimeout has its context cancelled and is
// handed back: the next worker runs it, the attempt not counted.
func testGracefulHandBack(t *testing.T, b queue.Broker) {
	started := make(chan queue.Job, 1)
	w := startWorker(t, b, queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
		started <- *job
		<-ctx.Done()
		return ctx.Err()
	}), queue.WorkerConfig{ShutdownTimeout: 100 * time.Millisecond})
	id := added(t, enqueue(t, b, "endless", nil))
	require.Equal(t, id, recv(t, started, "the job").ID)
	require.NoError(t, w.stop(t))
	s := waitStats(t, b, queue.DefaultQueue, "the job handed back", func(s queue.Stats) bool {
		return s.Pending == 1 && s.Active == 0
	})
	require.Zero(t, s.Failed, "a hand-back is not a failure: %+v", s)

	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{})
	r := recv(t, runs, "the job on the next worker")
	require.Equal(t, id, r.job.ID)
	require.Equal(t, 1, r.job.Attempt, "a hand-back counts no attempt")
	require.Empty(t, r.job.LastError)
	s = waitStats(t, b, queue.DefaultQueue, "the job acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && settled(s)
	})
	require.Zero(t, s.Failed)
}

// A job whose lease is no longer renewed, and not handed back, goes to
// another worker once the lease has run out, the attempt not counted:
// what happens to the jobs of a worker that crashed. Here the first
// worker abandons a handler that ignores its cancelled context.
func testLeaseExpiry(t *testing.T, b queue.Broker) {
	const lease = time.Second
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	startedA := make(chan queue.Job, 1)
	a := startWorker(t, b, queue.HandlerFunc(func(_ context.Context, job *queue.Job) error {
		startedA <- *job
		<-stuck // ignores its context, as a hung handler would
		return nil
	}), queue.WorkerConfig{Name: "a", Lease: lease, ShutdownTimeout: 50 * time.Millisecond})

	before := time.Now()
	id := added(t, enqueue(t, b, "hangs", nil))
	require.Equal(t, id, recv(t, startedA, "the job on worker a").ID)
	require.Error(t, a.stop(t), "Run reports the abandoned handler")
	s := queueStats(t, b, queue.DefaultQueue)
	require.Equal(t, int64(1), s.Active, "the abandoned job keeps its lease until it runs out: %+v", s)

	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{Name: "b", Lease: lease})
	r := recv(t, runs, "the job on worker b after the lease")
	require.Equal(t, id, r.job.ID)
	require.Equal(t, 1, r.job.Attempt, "a lost lease counts no attempt")
	notBefore(t, r.at, before.Add(lease), "worker b took over the job")
	s = waitStats(t, b, queue.DefaultQueue, "the job acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && settled(s)
	})
	require.Zero(t, s.Failed, "%+v", s)
	never(t, startedA, 0, "worker a ran the job twice")
}

// A job that runs for several leases keeps its lease: no other worker
// takes it.
func testLeaseRenewal(t *testing.T, b queue.Broker) {
	const lease = time.Second
	startedA := make(chan queue.Job, 2)
	startWorker(t, b, queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
		startedA <- *job
		select {
		case <-time.After(5 * lease / 2):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}), queue.WorkerConfig{Name: "a", Lease: lease})
	id := added(t, enqueue(t, b, "long", nil))
	require.Equal(t, id, recv(t, startedA, "the job on worker a").ID)

	h, runsB := recorder()
	startWorker(t, b, h, queue.WorkerConfig{Name: "b", Lease: lease})
	s := waitStats(t, b, queue.DefaultQueue, "the long job acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && settled(s)
	})
	require.Zero(t, s.Failed)
	never(t, runsB, 0, "worker b took a job whose lease was renewed")
	never(t, startedA, 0, "the long job ran twice")
}

// An idle worker picks a new job up at once, woken by the enqueue rather
// than finding it at its next poll: ten jobs enqueued one after another,
// each once the worker has been idle a while, all run in well under the
// ten seconds that a worker sleeping through its one-second fetches would
// need.
func testIdlePickup(t *testing.T, b queue.Broker) {
	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{Concurrency: 1})
	const n = 10
	var waited time.Duration
	for i := range n {
		time.Sleep(30 * time.Millisecond) // the worker is back in its fetch
		start := time.Now()
		id := added(t, enqueue(t, b, "ping", nil))
		require.Equal(t, id, recv(t, runs, fmt.Sprintf("job %d", i+1)).job.ID)
		waited += time.Since(start)
	}
	require.Less(t, waited, 5*time.Second, "%d idle pickups took %s", n, waited)
}
