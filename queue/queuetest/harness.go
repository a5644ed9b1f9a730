package queuetest

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

const (
	// patience bounds every wait for something that must happen.
	patience = 15 * time.Second
	// slack is how early a broker that keeps times in milliseconds may
	// run a job against a run-at time in nanoseconds.
	slack = 5 * time.Millisecond
)

// worker is a queue.Worker running in the background of a check.
type worker struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// startWorker runs a worker on b with h until the check ends or stop is
// called. Unless cfg says otherwise it logs nowhere and retries after
// 10 ms.
func startWorker(t *testing.T, b queue.Broker, h queue.Handler, cfg queue.WorkerConfig) *worker {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(int) time.Duration { return 10 * time.Millisecond }
	}
	qw, err := queue.NewWorker(b, h, cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	w := &worker{cancel: cancel, done: make(chan error, 1)}
	go func() { w.done <- qw.Run(ctx) }()
	t.Cleanup(func() { _ = w.stop(t) })
	return w
}

// stop cancels the worker's context and returns what Run returned.
func (w *worker) stop(t *testing.T) error {
	t.Helper()
	w.cancel()
	w.once.Do(func() {
		select {
		case w.err = <-w.done:
		case <-time.After(patience):
			w.err = context.DeadlineExceeded
			t.Errorf("queuetest: worker did not stop within %s", patience)
		}
	})
	return w.err
}

// run is one handler run seen by a check.
type run struct {
	job queue.Job
	at  time.Time
}

// recorder returns a handler that reports each run on the channel it
// returns and succeeds.
func recorder() (queue.HandlerFunc, <-chan run) {
	runs := make(chan run, 1024)
	return func(_ context.Context, job *queue.Job) error {
		runs <- run{job: *job, at: time.Now()}
		return nil
	}, runs
}

// recv waits for a value from ch.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatalf("queuetest: waited %s for %s", patience, what)
	}
	var zero T
	return zero
}

// never requires that nothing is on ch now, nor arrives for d.
func never[T any](t *testing.T, ch <-chan T, d time.Duration, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("queuetest: %s: got %+v", what, v)
	default:
	}
	if d <= 0 {
		return
	}
	select {
	case v := <-ch:
		t.Fatalf("queuetest: %s: got %+v", what, v)
	case <-time.After(d):
	}
}

// wait blocks until ch is closed or ctx is done, and returns ctx's error.
func wait(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// enqueue enqueues a job and requires it to succeed.
func enqueue(t *testing.T, b queue.Broker, typ string, payload []byte, opts ...queue.Option) *queue.EnqueueResult {
	t.Helper()
	res, err := b.Enqueue(context.Background(), typ, payload, opts...)
	require.NoError(t, err, "Enqueue %s", typ)
	require.NotNil(t, res)
	return res
}

// added requires res to say that a new job was added.
func added(t *testing.T, res *queue.EnqueueResult) string {
	t.Helper()
	require.False(t, res.Duplicate, "Duplicate")
	require.False(t, res.FollowUp, "FollowUp")
	require.NotEmpty(t, res.ID)
	return res.ID
}

// queueStats returns the stats of one queue; a queue the broker does not
// list has zero counts.
func queueStats(t *testing.T, b queue.Broker, name string) queue.Stats {
	t.Helper()
	all, err := b.Stats(context.Background())
	require.NoError(t, err)
	for _, s := range all {
		if s.Queue == name {
			return s
		}
	}
	return queue.Stats{Queue: name}
}

// waitStats polls the stats of a queue until ok accepts them.
func waitStats(t *testing.T, b queue.Broker, name, what string, ok func(s queue.Stats) bool) queue.Stats {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		s := queueStats(t, b, name)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("queuetest: waited %s for %s on queue %q; stats: %+v", patience, what, name, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settled reports that a queue has nothing pending, running or waiting.
func settled(s queue.Stats) bool {
	return s.Pending == 0 && s.Active == 0 && s.Scheduled == 0 && s.Retry == 0
}

// notBefore requires that at is not before want, give or take slack.
func notBefore(t *testing.T, at, want time.Time, what string) {
	t.Helper()
	require.False(t, at.Before(want.Add(-slack)), "%s at %s, %s before %s", what,
		at.Format(time.RFC3339Nano), want.Sub(at), want.Format(time.RFC3339Nano))
}
