package health_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/health"
)

// newRegistry returns a Registry with a silent logger unless opts sets one.
func newRegistry(t *testing.T, opts health.Options) *health.Registry {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	reg, err := health.New(opts)
	require.NoError(t, err)
	return reg
}

// mustRegister registers c or fails the test.
func mustRegister(t *testing.T, reg *health.Registry, c health.Check) {
	t.Helper()
	require.NoError(t, reg.Register(c))
}

// counter returns a check func that counts its calls and returns err.
func counter(err error) (func(context.Context) error, *atomic.Int64) {
	var n atomic.Int64
	return func(context.Context) error {
		n.Add(1)
		return err
	}, &n
}

// blocker returns a check func that signals on started and then blocks,
// ignoring its context, until the test ends or release is called.
func blocker(t *testing.T) (fn func(context.Context) error, started <-chan struct{}, release func()) {
	t.Helper()
	start := make(chan struct{}, 100)
	stop := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(stop) }) }
	t.Cleanup(release)
	fn = func(context.Context) error {
		start <- struct{}{}
		<-stop
		return nil
	}
	return fn, start, release
}

// runWithin runs reg and fails the test if Run takes longer than limit, so
// that a broken timeout shows up as a failure rather than a hung test.
func runWithin(t *testing.T, reg *health.Registry, limit time.Duration) health.Report {
	t.Helper()
	done := make(chan health.Report, 1)
	go func() { done <- reg.Run(context.Background()) }()
	select {
	case rep := <-done:
		return rep
	case <-time.After(limit):
		require.FailNow(t, "Run did not return in time", "limit %v", limit)
		return health.Report{}
	}
}

// byName returns the result for name in rep or fails the test.
func byName(t *testing.T, rep health.Report, name string) health.Result {
	t.Helper()
	for _, res := range rep.Checks {
		if res.Name == name {
			return res
		}
	}
	require.Failf(t, "check missing from report", "no result for %q in %+v", name, rep)
	return health.Result{}
}

// recorder is a slog.Handler that keeps the records it receives.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *recorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

func (h *recorder) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h *recorder) WithGroup(string) slog.Handler { return h }

// messages returns "LEVEL message" for each record so far.
func (h *recorder) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, len(h.records))
	for i, r := range h.records {
		out[i] = r.Level.String() + " " + r.Message
	}
	return out
}
