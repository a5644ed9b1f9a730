package health_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/health"
)

// TestRunIsConcurrent proves overlap by ordering: each check waits until the
// other has started, so run one after the other the first would time out.
func TestRunIsConcurrent(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	var (
		mu     sync.Mutex
		events []string
	)
	record := func(e string) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}
	started := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
	check := func(self, other string) func(context.Context) error {
		return func(ctx context.Context) error {
			record("start " + self)
			close(started[self])
			select {
			case <-started[other]:
			case <-ctx.Done():
				return ctx.Err()
			}
			time.Sleep(200 * time.Millisecond)
			record("end " + self)
			return nil
		}
	}
	mustRegister(t, reg, health.Check{Name: "a", Func: check("a", "b"), Timeout: 5 * time.Second})
	mustRegister(t, reg, health.Check{Name: "b", Func: check("b", "a"), Timeout: 5 * time.Second})

	rep := reg.Run(context.Background())

	require.Equal(t, health.StatusPass, rep.Status, "%+v", rep)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, events, 4)
	require.ElementsMatch(t, []string{"start a", "start b"}, events[:2], "both checks start before either ends")
	require.ElementsMatch(t, []string{"end a", "end b"}, events[2:])
}

func TestRunTimesOutCheckThatIgnoresContext(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	fn, _, _ := blocker(t)
	const timeout = 50 * time.Millisecond
	mustRegister(t, reg, health.Check{Name: "hung", Func: fn, Timeout: timeout, Critical: true})

	rep := runWithin(t, reg, 10*time.Second)

	require.Equal(t, health.StatusFail, rep.Status)
	res := byName(t, rep, "hung")
	require.Equal(t, health.StatusFail, res.Status)
	require.ErrorIs(t, res.Err, health.ErrTimeout)
	require.Contains(t, res.Err.Error(), "timed out after 50ms")
	require.GreaterOrEqual(t, res.Latency, timeout)
}

func TestRunTimeoutUsesOptionsDefault(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{Timeout: 30 * time.Millisecond})
	fn, _, _ := blocker(t)
	mustRegister(t, reg, health.Check{Name: "hung", Func: fn})

	res := byName(t, runWithin(t, reg, 10*time.Second), "hung")
	require.ErrorIs(t, res.Err, health.ErrTimeout)
	require.Contains(t, res.Err.Error(), "after 30ms")
}

// TestRunTimeoutWrapsCheckError checks that a check which returns ctx.Err()
// at its deadline is reported as a timeout whichever of the check and the
// deadline Run notices first. The race is sampled many times.
func TestRunTimeoutWrapsCheckError(t *testing.T) {
	t.Parallel()
	polite := func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}
	for range 5 {
		// A fresh registry each time: a check that returned just after an
		// earlier deadline could still count as running.
		reg := newRegistry(t, health.Options{})
		for i := range 20 {
			mustRegister(t, reg, health.Check{Name: fmt.Sprintf("polite-%02d", i), Timeout: 5 * time.Millisecond, Func: polite})
		}
		rep := runWithin(t, reg, 10*time.Second)
		for _, res := range rep.Checks {
			require.ErrorIs(t, res.Err, health.ErrTimeout, res.Name)
			require.Contains(t, res.Err.Error(), "timed out after 5ms", res.Name)
		}
	}
}

// TestRunDoesNotPileUpHungCalls checks that a hung check is not called again
// while its earlier call is still running, and is called again once it
// returns.
func TestRunDoesNotPileUpHungCalls(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	fn, started, release := blocker(t)
	mustRegister(t, reg, health.Check{Name: "hung", Func: fn, Timeout: 20 * time.Millisecond})

	first := byName(t, runWithin(t, reg, 10*time.Second), "hung")
	require.ErrorIs(t, first.Err, health.ErrTimeout)
	<-started

	second := byName(t, runWithin(t, reg, 10*time.Second), "hung")
	require.ErrorIs(t, second.Err, health.ErrTimeout)
	require.Contains(t, second.Err.Error(), "earlier call has not returned")
	require.Empty(t, started, "the check was called while its earlier call was still running")

	release()
	require.Eventually(t, func() bool {
		return byName(t, reg.Run(context.Background()), "hung").Status == health.StatusPass
	}, 5*time.Second, 5*time.Millisecond)
}

func TestRunRecoversPanics(t *testing.T) {
	t.Parallel()
	logs := &recorder{}
	reg := newRegistry(t, health.Options{Logger: slog.New(logs)})
	mustRegister(t, reg, health.Check{Name: "boom", Func: func(context.Context) error { panic("kaboom") }})
	errBoom := errors.New("typed boom")
	mustRegister(t, reg, health.Check{Name: "boom-error", Func: func(context.Context) error { panic(errBoom) }})
	mustRegister(t, reg, health.Check{Name: "fine", Func: func(context.Context) error { return nil }})

	rep := reg.Run(context.Background())

	res := byName(t, rep, "boom")
	require.Equal(t, health.StatusFail, res.Status)
	require.ErrorIs(t, res.Err, health.ErrPanic)
	require.Contains(t, res.Err.Error(), "kaboom")
	require.ErrorIs(t, byName(t, rep, "boom-error").Err, errBoom)
	require.Equal(t, health.StatusPass, byName(t, rep, "fine").Status)
	require.Contains(t, logs.messages(), "ERROR health: check panicked")
}

func TestRunOverallStatus(t *testing.T) {
	t.Parallel()
	type check struct {
		name     string
		critical bool
		fails    bool
	}
	tests := []struct {
		name   string
		checks []check
		want   health.Status
	}{
		{"no checks", nil, health.StatusPass},
		{"all pass", []check{{"a", true, false}, {"b", false, false}}, health.StatusPass},
		{"non-critical fails", []check{{"a", true, false}, {"b", false, true}}, health.StatusWarn},
		{"critical fails", []check{{"a", true, true}, {"b", false, false}}, health.StatusFail},
		{"both fail", []check{{"a", true, true}, {"b", false, true}}, health.StatusFail},
		{"critical fails after non-critical", []check{{"a", false, true}, {"b", true, true}}, health.StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := newRegistry(t, health.Options{})
			for _, c := range tt.checks {
				var err error
				if c.fails {
					err = errors.New(c.name + " is down")
				}
				fn, _ := counter(err)
				mustRegister(t, reg, health.Check{Name: c.name, Func: fn, Critical: c.critical})
			}
			rep := reg.Run(context.Background())
			require.Equal(t, tt.want, rep.Status)
			for _, c := range tt.checks {
				res := byName(t, rep, c.name)
				require.Equal(t, c.critical, res.Critical)
				if c.fails {
					require.Equal(t, health.StatusFail, res.Status)
					require.EqualError(t, res.Err, c.name+" is down")
				} else {
					require.Equal(t, health.StatusPass, res.Status)
					require.NoError(t, res.Err)
				}
			}
		})
	}
}

func TestRunSortsResultsByName(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	for _, name := range []string{"zeta", "alpha", "mu", "beta"} {
		fn, _ := counter(nil)
		mustRegister(t, reg, health.Check{Name: name, Func: fn})
	}
	var names []string
	for _, res := range reg.Run(context.Background()).Checks {
		names = append(names, res.Name)
	}
	require.Equal(t, []string{"alpha", "beta", "mu", "zeta"}, names)
}

func TestRunRecordsTimeAndLatency(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	mustRegister(t, reg, health.Check{Name: "slow", Func: func(context.Context) error {
		time.Sleep(10 * time.Millisecond)
		return nil
	}})
	before := time.Now()
	res := byName(t, reg.Run(context.Background()), "slow")
	after := time.Now()
	require.False(t, res.Time.Before(before))
	require.False(t, res.Time.After(after))
	require.GreaterOrEqual(t, res.Latency, 10*time.Millisecond)
	require.LessOrEqual(t, res.Latency, after.Sub(before))
}

func TestRunReturnsWhenContextEnds(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	fn, started, release := blocker(t)
	mustRegister(t, reg, health.Check{Name: "slow", Func: fn, Timeout: time.Minute, Critical: true})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan health.Report, 1)
	go func() { done <- reg.Run(ctx) }()
	<-started
	cancel()

	var rep health.Report
	select {
	case rep = <-done:
	case <-time.After(10 * time.Second):
		require.FailNow(t, "Run ignored the cancellation of its context")
	}
	require.Equal(t, health.StatusFail, rep.Status)
	require.ErrorIs(t, byName(t, rep, "slow").Err, context.Canceled)

	// A context that is already done gets the same answer without a run.
	release()
	rep = reg.Run(ctx)
	require.ErrorIs(t, byName(t, rep, "slow").Err, context.Canceled)
}

func TestRunLogsTransitions(t *testing.T) {
	t.Parallel()
	logs := &recorder{}
	reg := newRegistry(t, health.Options{Logger: slog.New(logs)})
	var mu sync.Mutex
	failing := true
	mustRegister(t, reg, health.Check{Name: "db", Func: func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			return errors.New("down")
		}
		return nil
	}})

	reg.Run(context.Background())
	reg.Run(context.Background())
	require.Equal(t, []string{"WARN health: check failing"}, logs.messages(), "one record per change, not per run")

	mu.Lock()
	failing = false
	mu.Unlock()
	reg.Run(context.Background())
	reg.Run(context.Background())
	require.Equal(t, []string{"WARN health: check failing", "INFO health: check recovered"}, logs.messages())
}

func TestRunWithDoneContextRunsNothing(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	fn, calls := counter(nil)
	mustRegister(t, reg, health.Check{Name: "db", Func: fn, Critical: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	rep := reg.Run(ctx)

	require.Equal(t, health.StatusFail, rep.Status)
	require.ErrorIs(t, byName(t, rep, "db").Err, context.Canceled)
	// A run started in the background would call the check soon after.
	require.Never(t, func() bool { return calls.Load() > 0 }, 50*time.Millisecond, 5*time.Millisecond)
}
