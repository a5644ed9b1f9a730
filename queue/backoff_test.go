package queue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// DefaultBackoff doubles from 1s up to an hour, with jitter between half
// and all of the step.
func TestDefaultBackoffBounds(t *testing.T) {
	step := time.Second
	for attempt := 1; attempt <= 40; attempt++ {
		for range 200 {
			d := queue.DefaultBackoff(attempt)
			require.GreaterOrEqual(t, d, step/2, "attempt %d", attempt)
			require.LessOrEqual(t, d, step, "attempt %d", attempt)
		}
		step = min(2*step, time.Hour)
	}
	for _, attempt := range []int{0, -1} {
		d := queue.DefaultBackoff(attempt)
		require.GreaterOrEqual(t, d, 500*time.Millisecond)
		require.LessOrEqual(t, d, time.Second)
	}
}

// Jitter spreads jobs that failed together.
func TestDefaultBackoffJitter(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 100 {
		seen[queue.DefaultBackoff(5)] = true
	}
	require.Greater(t, len(seen), 50, "100 draws gave %d values", len(seen))
}
