package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var wtNop = HandlerFunc(func(context.Context, *Job) error { return nil })

func wtQuiet(cfg WorkerConfig) WorkerConfig {
	cfg.Logger = slog.New(slog.DiscardHandler)
	return cfg
}

// NewWorker refuses an invalid config with ErrInvalid and a message that
// names the field.
func TestWorkerConfigValidation(t *testing.T) {
	okPeriodic := Periodic{Name: "p", Every: time.Second, Type: "t"}
	cases := []struct {
		name  string
		cfg   WorkerConfig
		field string
	}{
		{"empty queues", WorkerConfig{Queues: map[string]int{}}, "WorkerConfig.Queues"},
		{"bad queue name", WorkerConfig{Queues: map[string]int{"a:b": 1}}, "WorkerConfig.Queues"},
		{"zero weight", WorkerConfig{Queues: map[string]int{"a": 0}}, `WorkerConfig.Queues["a"]`},
		{"negative weight", WorkerConfig{Queues: map[string]int{"a": -1}}, `WorkerConfig.Queues["a"]`},
		{"negative concurrency", WorkerConfig{Concurrency: -1}, "WorkerConfig.Concurrency"},
		{"short lease", WorkerConfig{Lease: 500 * time.Millisecond}, "WorkerConfig.Lease"},
		{"negative lease", WorkerConfig{Lease: -time.Second}, "WorkerConfig.Lease"},
		{"short job timeout", WorkerConfig{JobTimeout: time.Microsecond}, "WorkerConfig.JobTimeout"},
		{"negative shutdown timeout", WorkerConfig{ShutdownTimeout: -1}, "WorkerConfig.ShutdownTimeout"},
		{"periodic name", WorkerConfig{Periodic: []Periodic{{Name: "", Every: time.Second, Type: "t"}}}, "periodic name"},
		{"periodic every", WorkerConfig{Periodic: []Periodic{{Name: "p", Every: time.Millisecond, Type: "t"}}}, "Every"},
		{"periodic type", WorkerConfig{Periodic: []Periodic{{Name: "p", Every: time.Second, Type: "a b"}}}, "periodic job type"},
		{"periodic twice", WorkerConfig{Periodic: []Periodic{okPeriodic, okPeriodic}}, "WorkerConfig.Periodic"},
	}
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := NewWorker(m, wtNop, c.cfg)
			require.ErrorIs(t, err, ErrInvalid)
			require.Nil(t, w)
			require.Contains(t, err.Error(), c.field)
			require.True(t, strings.HasPrefix(err.Error(), "queue: "), err.Error())
		})
	}
	_, err := NewWorker(nil, wtNop, WorkerConfig{})
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorContains(t, err, "broker")
	_, err = NewWorker(m, nil, WorkerConfig{})
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorContains(t, err, "handler")
}

// The zero config means the documented defaults.
func TestWorkerDefaults(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	w, err := NewWorker(m, wtNop, WorkerConfig{})
	require.NoError(t, err)
	require.Equal(t, []string{DefaultQueue}, w.queues)
	require.Equal(t, 10, w.cfg.Concurrency)
	require.Equal(t, 15*time.Second, w.cfg.Lease)
	require.Equal(t, DefaultJobTimeout, w.cfg.JobTimeout)
	require.Equal(t, 10*time.Second, w.cfg.ShutdownTimeout)
	require.NotNil(t, w.cfg.Backoff)
	require.Same(t, slog.Default(), w.cfg.Logger)
	require.NotEmpty(t, w.Name())

	other, err := NewWorker(m, wtNop, WorkerConfig{})
	require.NoError(t, err)
	require.NotEqual(t, w.Name(), other.Name(), "default names are unique")
	named, err := NewWorker(m, wtNop, WorkerConfig{Name: "w1"})
	require.NoError(t, err)
	require.Equal(t, "w1", named.Name())
}

// A Worker runs once.
func TestWorkerRunTwice(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	w, err := NewWorker(m, wtNop, wtQuiet(WorkerConfig{}))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	time.Sleep(10 * time.Millisecond)
	require.ErrorContains(t, w.Run(ctx), "twice")
	cancel()
	require.NoError(t, <-done)
	require.ErrorContains(t, w.Run(t.Context()), "twice", "after it stopped")
}

// With StrictPriority the order is by weight, highest first, names
// breaking ties.
func TestWorkerStrictOrder(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	w, err := NewWorker(m, wtNop, WorkerConfig{StrictPriority: true, Queues: map[string]int{"b": 2, "a": 2, "c": 5, "d": 1}})
	require.NoError(t, err)
	for range 10 {
		require.Equal(t, []string{"c", "a", "b", "d"}, w.order())
	}
}

// Weighted order: each fetch's order is a permutation of the queues, drawn
// without replacement with probability proportional to weight. The
// observed frequency of every permutation matches the exact probability.
func TestWorkerWeightedOrder(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	weights := map[string]int{"a": 5, "b": 3, "c": 2}
	w, err := NewWorker(m, wtNop, WorkerConfig{Queues: weights})
	require.NoError(t, err)

	// P(x, y, z) = w(x)/10 * w(y)/(10-w(x)).
	want := map[string]float64{}
	for _, x := range "abc" {
		for _, y := range "abc" {
			if x == y {
				continue
			}
			z := 'a' + 'b' + 'c' - x - y
			wx, wy := float64(weights[string(x)]), float64(weights[string(y)])
			want[string([]rune{x, y, z})] = wx / 10 * wy / (10 - wx)
		}
	}
	const n = 60000
	got := map[string]int{}
	for range n {
		got[strings.Join(w.order(), "")]++
	}
	require.Len(t, got, 6, "every permutation occurs, and nothing else: %v", got)
	for perm, p := range want {
		f := float64(got[perm]) / n
		// The standard deviation is at most 0.002; 0.015 is 7 of them.
		require.InDelta(t, p, f, 0.015, "permutation %s: want %.3f, got %.3f", perm, p, f)
	}
	// The light queue comes first a fifth of the time: it is not starved.
	require.InDelta(t, 0.2, float64(got["cab"]+got["cba"])/n, 0.015)
}

// One queue: the order is that queue, weighted or not.
func TestWorkerSingleQueueOrder(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	w, err := NewWorker(m, wtNop, WorkerConfig{Queues: map[string]int{"only": 7}})
	require.NoError(t, err)
	require.Equal(t, []string{"only"}, w.order())
}

// nextAttempt: dead after the last attempt or on ErrSkipRetry, RetryAt's
// time if given, otherwise the backoff.
func TestWorkerNextAttempt(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	var asked []int
	w, err := NewWorker(m, wtNop, WorkerConfig{Backoff: func(a int) time.Duration {
		asked = append(asked, a)
		return time.Minute
	}})
	require.NoError(t, err)
	job := &Job{Attempt: 2, MaxAttempts: 3}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

	require.Zero(t, w.nextAttempt(job, fmt.Errorf("bad: %w", ErrSkipRetry)))
	require.Zero(t, w.nextAttempt(&Job{Attempt: 3, MaxAttempts: 3}, errors.New("x")), "last attempt")
	require.Zero(t, w.nextAttempt(&Job{Attempt: 3, MaxAttempts: 3}, RetryAt(at, nil)), "RetryAt after the last attempt")
	require.Equal(t, at, w.nextAttempt(job, fmt.Errorf("wrapped: %w", RetryAt(at, errors.New("busy")))))
	before := time.Now()
	next := w.nextAttempt(job, RetryAt(time.Time{}, nil))
	require.WithinRange(t, next, before.Add(time.Minute), time.Now().Add(time.Minute), "a zero RetryAt means the backoff")
	require.False(t, w.nextAttempt(&Job{Attempt: 1, MaxAttempts: 5}, &PanicError{Value: "x"}).IsZero(), "a panic is retried")
	require.Equal(t, []int{2, 1}, asked)
}

// fetchBackoff: 100ms doubling to 5s, with jitter between half and all.
func TestWorkerFetchBackoff(t *testing.T) {
	for n, full := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 6: 3200 * time.Millisecond, 7: 5 * time.Second, 50: 5 * time.Second} {
		for range 100 {
			d := fetchBackoff(n)
			require.GreaterOrEqual(t, d, full/2, "failure %d", n)
			require.LessOrEqual(t, d, full, "failure %d", n)
		}
	}
}

// wtFlaky is a Memory whose fetch fails its first fails calls.
type wtFlaky struct {
	*Memory
	fails   int32
	fetches atomic.Int32
}

func (f *wtFlaky) fetch(ctx context.Context, req fetchRequest) ([]*delivery, error) {
	if f.fetches.Add(1) <= f.fails {
		return nil, errors.New("broker down")
	}
	return f.Memory.fetch(ctx, req)
}

// A worker whose fetches fail keeps trying, with backoff, and works once
// the broker is back.
func TestWorkerFetchFailures(t *testing.T) {
	b := &wtFlaky{Memory: NewMemory(MemoryOptions{}), fails: 3}
	defer b.Close()
	ran := make(chan struct{}, 1)
	w, err := NewWorker(b, HandlerFunc(func(context.Context, *Job) error {
		ran <- struct{}{}
		return nil
	}), wtQuiet(WorkerConfig{}))
	require.NoError(t, err)
	_, err = b.Enqueue(t.Context(), "job", nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not run after the broker came back")
	}
	require.Greater(t, b.fetches.Load(), b.fails)
	cancel()
	require.NoError(t, <-done)
}

// A handler that ignores its cancelled context is abandoned after
// ShutdownTimeout plus as much again: Run returns an error and the job
// stays leased, unrenewed, for another worker after the lease.
func TestWorkerAbandonsStuckHandler(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	stuck := make(chan struct{})
	defer close(stuck)
	started := make(chan struct{})
	w, err := NewWorker(m, HandlerFunc(func(context.Context, *Job) error {
		close(started)
		<-stuck
		return nil
	}), wtQuiet(WorkerConfig{Lease: time.Second, ShutdownTimeout: 20 * time.Millisecond}))
	require.NoError(t, err)
	_, err = m.Enqueue(t.Context(), "job", nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	<-started
	cancel()
	select {
	case err := <-done:
		require.ErrorContains(t, err, "1 handlers still running")
	case <-time.After(5 * time.Second):
		t.Fatal("Run waited for a handler that ignores its context")
	}
	all, err := m.Stats(t.Context())
	require.NoError(t, err)
	require.Equal(t, int64(1), all[0].Active, "the job is left leased")
	require.Zero(t, all[0].Pending, "the job is not handed back while its handler may still run")
}
