package queuetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// A job runs once and is acknowledged; the handler sees what was
// enqueued.
func testRunAndAck(t *testing.T, b queue.Broker) {
	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{})
	before := time.Now().Truncate(time.Millisecond)
	res := enqueue(t, b, "greet", []byte("hello"))
	id := added(t, res)
	require.Equal(t, queue.DefaultQueue, res.Queue)

	r := recv(t, runs, "the job to run")
	require.Equal(t, id, r.job.ID)
	require.Equal(t, "greet", r.job.Type)
	require.Equal(t, queue.DefaultQueue, r.job.Queue)
	require.Equal(t, []byte("hello"), r.job.Payload)
	require.Equal(t, 1, r.job.Attempt)
	require.Equal(t, queue.DefaultMaxAttempts, r.job.MaxAttempts)
	require.Empty(t, r.job.UniqueKey)
	require.Empty(t, r.job.LastError)
	require.False(t, r.job.EnqueuedAt.Before(before), "EnqueuedAt %s before the enqueue at %s", r.job.EnqueuedAt, before)
	require.False(t, r.job.EnqueuedAt.After(r.at), "EnqueuedAt after the run")

	s := waitStats(t, b, queue.DefaultQueue, "the job to be acknowledged", func(s queue.Stats) bool {
		return s.Processed == 1 && settled(s)
	})
	require.Zero(t, s.Failed)
	require.Zero(t, s.Dead)
	never(t, runs, 100*time.Millisecond, "an acknowledged job ran again")
}

// Payloads arrive byte for byte (empty, every byte value, 1 MiB), and
// changing the caller's slice after Enqueue changes nothing.
func testPayloadIntact(t *testing.T, b queue.Broker) {
	every := make([]byte, 512)
	for i := range every {
		every[i] = byte(i)
	}
	payloads := [][]byte{
		nil,
		every,
		[]byte("héllo, 世界 \x00 end"),
		bytes.Repeat([]byte("0123456789abcdef"), 64<<10),
	}
	want := map[string][]byte{}
	for _, p := range payloads {
		want[added(t, enqueue(t, b, "payload", p))] = bytes.Clone(p)
	}
	every[0] = 0xff

	h, runs := recorder()
	startWorker(t, b, h, queue.WorkerConfig{})
	for range payloads {
		r := recv(t, runs, "a payload job")
		p, ok := want[r.job.ID]
		require.True(t, ok, "unknown or repeated job %s", r.job.ID)
		require.True(t, bytes.Equal(p, r.job.Payload), "a payload of %d bytes arrived as %d different bytes", len(p), len(r.job.Payload))
		delete(want, r.job.ID)
	}
	require.Empty(t, want)
}

// EnqueueJSON and Job.Decode round-trip a value.
func testJSON(t *testing.T, b queue.Broker) {
	type order struct {
		ID    int      `json:"id"`
		Items []string `json:"items"`
	}
	in := order{ID: 42, Items: []string{"a", "b"}}
	res, err := queue.EnqueueJSON(context.Background(), b, "order", in)
	require.NoError(t, err)
	added(t, res)

	decoded := make(chan order, 1)
	startWorker(t, b, queue.HandlerFunc(func(_ context.Context, job *queue.Job) error {
		var out order
		if err := job.Decode(&out); err != nil {
			return err
		}
		decoded <- out
		return nil
	}), queue.WorkerConfig{})
	require.Equal(t, in, recv(t, decoded, "the decoded payload"))
}

// Invalid options fail with ErrInvalid and enqueue nothing.
func testInvalidOptions(t *testing.T, b queue.Broker) {
	cases := []struct {
		name string
		typ  string
		opts []queue.Option
	}{
		{"empty type", "", nil},
		{"type with colon", "a:b", nil},
		{"type with space", "a b", nil},
		{"type too long", strings.Repeat("t", 101), nil},
		{"queue with brace", "ok", []queue.Option{queue.OnQueue("q{1}")}},
		{"queue with colon", "ok", []queue.Option{queue.OnQueue("q:1")}},
		{"negative MaxAttempts", "ok", []queue.Option{queue.MaxAttempts(-1)}},
		{"negative Delay", "ok", []queue.Option{queue.Delay(-time.Second)}},
		{"negative Timeout", "ok", []queue.Option{queue.Timeout(-time.Second)}},
		{"ID too long", "ok", []queue.Option{queue.ID(strings.Repeat("i", 201))}},
		{"Unique key too long", "ok", []queue.Option{queue.Unique(strings.Repeat("u", 501))}},
	}
	for _, c := range cases {
		res, err := b.Enqueue(context.Background(), c.typ, []byte("x"), c.opts...)
		require.ErrorIs(t, err, queue.ErrInvalid, c.name)
		require.Nil(t, res, c.name)
		require.True(t, strings.HasPrefix(err.Error(), "queue: "), "%s: error %q lacks the package prefix", c.name, err)
	}
	all, err := b.Stats(context.Background())
	require.NoError(t, err)
	for _, s := range all {
		require.Zero(t, s.Pending+s.Scheduled+s.Active+s.Retry, "queue %q holds jobs: %+v", s.Queue, s)
	}
}

// A worker runs up to Concurrency jobs at once.
func testConcurrency(t *testing.T, b queue.Broker) {
	const n = 4
	started := make(chan string, n)
	release := make(chan struct{})
	startWorker(t, b, queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
		started <- job.ID
		return wait(ctx, release)
	}), queue.WorkerConfig{Concurrency: n})
	for range n {
		added(t, enqueue(t, b, "slow", nil))
	}
	// All n start before any is released: they run at the same time.
	for i := range n {
		recv(t, started, fmt.Sprintf("job %d of %d to start while the others run", i+1, n))
	}
	s := queueStats(t, b, queue.DefaultQueue)
	require.Equal(t, int64(n), s.Active, "stats while %d jobs run: %+v", n, s)
	close(release)
	waitStats(t, b, queue.DefaultQueue, "all jobs acknowledged", func(s queue.Stats) bool {
		return s.Processed == n && settled(s)
	})
}

// Many producers and workers at once: every job runs exactly once (no
// lease runs out, so none runs twice).
func testNoLoss(t *testing.T, b queue.Broker) {
	const producers, perProducer, workers = 8, 25, 3
	var (
		mu   sync.Mutex
		seen = map[string]int{}
	)
	h := queue.HandlerFunc(func(_ context.Context, job *queue.Job) error {
		mu.Lock()
		seen[string(job.Payload)]++
		mu.Unlock()
		return nil
	})
	for range workers {
		startWorker(t, b, h, queue.WorkerConfig{Concurrency: 4})
	}
	errs := make(chan error, producers)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range perProducer {
				if _, err := b.Enqueue(context.Background(), "n", fmt.Appendf(nil, "%d-%d", p, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	waitStats(t, b, queue.DefaultQueue, "every job acknowledged", func(s queue.Stats) bool {
		return s.Processed == producers*perProducer && settled(s)
	})
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, producers*perProducer)
	for p, n := range seen {
		require.Equal(t, 1, n, "job %s ran %d times", p, n)
	}
}
