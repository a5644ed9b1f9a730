package health

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestConcurrentRunsShareOneRun holds a run open, lets more callers join it
// (observed through flight.waiters, so the test does not depend on timing),
// and checks that the check ran once for all of them.
func TestConcurrentRunsShareOneRun(t *testing.T) {
	t.Parallel()
	reg, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	var calls atomic.Int64
	started := make(chan struct{})
	release := make(chan struct{})
	require.NoError(t, reg.Register(Check{Name: "db", Timeout: time.Minute, Func: func(context.Context) error {
		if calls.Add(1) == 1 {
			close(started)
			<-release
		}
		return nil
	}}))

	const callers = 10
	reports := make(chan Report, callers)
	var wg sync.WaitGroup
	wg.Go(func() { reports <- reg.Run(context.Background()) })
	<-started
	for range callers - 1 {
		wg.Go(func() { reports <- reg.Run(context.Background()) })
	}
	require.Eventually(t, func() bool {
		reg.mu.Lock()
		defer reg.mu.Unlock()
		return reg.flight != nil && reg.flight.waiters == callers
	}, 5*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	close(reports)

	require.EqualValues(t, 1, calls.Load())
	n := 0
	for rep := range reports {
		require.Equal(t, StatusPass, rep.Status)
		require.Len(t, rep.Checks, 1)
		n++
	}
	require.Equal(t, callers, n)

	// Without a cache, the next call starts a new run.
	reg.Run(context.Background())
	require.EqualValues(t, 2, calls.Load())
}

// TestSharedRunSurvivesCallerCancellation checks that the caller that
// started a run going away does not fail the run for the others.
func TestSharedRunSurvivesCallerCancellation(t *testing.T) {
	t.Parallel()
	reg, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	started := make(chan struct{})
	release := make(chan struct{})
	require.NoError(t, reg.Register(Check{Name: "db", Timeout: time.Minute, Func: func(ctx context.Context) error {
		close(started)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}))

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan Report, 1)
	go func() { first <- reg.Run(ctx) }()
	<-started
	second := make(chan Report, 1)
	go func() { second <- reg.Run(context.Background()) }()
	require.Eventually(t, func() bool {
		reg.mu.Lock()
		defer reg.mu.Unlock()
		return reg.flight != nil && reg.flight.waiters == 2
	}, 5*time.Second, time.Millisecond)

	cancel()
	require.ErrorIs(t, (<-first).Checks[0].Err, context.Canceled)
	close(release)
	rep := <-second
	require.Equal(t, StatusPass, rep.Status, "%+v", rep)
}
