package ratelimit_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/ratelimit/ratelimittest"
)

func newMemoryHarness(t *testing.T) ratelimittest.Harness {
	clock := ratelimittest.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	m, err := ratelimit.NewMemory(ratelimit.MemoryOptions{Clock: clock})
	require.NoError(t, err)
	return ratelimittest.Harness{Limiter: m, Now: clock.Now, Advance: clock.Advance}
}

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, newMemoryHarness)
}

func TestMemoryOptionsValidated(t *testing.T) {
	t.Parallel()
	_, err := ratelimit.NewMemory(ratelimit.MemoryOptions{MaxKeys: -1})
	require.ErrorContains(t, err, "MaxKeys")
}

// TestMemoryMaxKeysBoundsMemory fills a small limiter with more keys than
// it may hold: the table never grows past the bound, and keys whose limits
// are full again go before a key that is still limited.
func TestMemoryMaxKeysBoundsMemory(t *testing.T) {
	t.Parallel()
	clock := ratelimittest.NewFakeClock(time.Unix(0, 0))
	m, err := ratelimit.NewMemory(ratelimit.MemoryOptions{MaxKeys: 64, Clock: clock})
	require.NoError(t, err)
	second := ratelimit.PerSecond(1)
	for i := range 10_000 {
		res, err := m.Allow(t.Context(), "key"+strconv.Itoa(i), second)
		require.NoError(t, err)
		require.True(t, res.Allowed)
	}
	require.LessOrEqual(t, ratelimit.MemoryLen(m), 64)

	hour := ratelimit.PerHour(1)
	res, err := m.Allow(t.Context(), "hot", hour)
	require.NoError(t, err)
	require.True(t, res.Allowed)
	for i := range 1000 {
		clock.Advance(2 * time.Second) // every key but "hot" is full again
		_, err := m.Allow(t.Context(), "cold"+strconv.Itoa(i), second)
		require.NoError(t, err)
		res, err := m.Allow(t.Context(), "hot", hour)
		require.NoError(t, err)
		require.False(t, res.Allowed, "the limited key was dropped at round %d", i)
	}
	require.LessOrEqual(t, ratelimit.MemoryLen(m), 64)
}
