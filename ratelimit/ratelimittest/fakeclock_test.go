package ratelimittest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit/ratelimittest"
)

func TestFakeClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := ratelimittest.NewFakeClock(start)
	require.Equal(t, start, c.Now())

	now := c.After(0)
	require.Equal(t, start, <-now, "a zero wait fires at once")
	soon, later := c.After(time.Second), c.After(time.Minute)
	require.Equal(t, 2, c.Waiters())

	c.Advance(999 * time.Millisecond)
	select {
	case <-soon:
		t.Fatal("fired early")
	default:
	}
	c.Advance(time.Millisecond)
	require.Equal(t, start.Add(time.Second), <-soon)
	require.Equal(t, 1, c.Waiters())
	select {
	case <-later:
		t.Fatal("fired early")
	default:
	}
	c.Advance(time.Hour)
	require.Equal(t, start.Add(time.Hour+time.Second), <-later, "fires with the clock's time when advanced past")
	require.Zero(t, c.Waiters())
	require.Equal(t, start.Add(time.Hour+time.Second), c.Now())
}
