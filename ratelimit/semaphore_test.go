package ratelimit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/ratelimit/ratelimittest"
)

func TestMemorySemaphoreConformance(t *testing.T) {
	t.Parallel()
	ratelimittest.RunSemaphore(t, func(t *testing.T) ratelimittest.SemaphoreHarness {
		clock := ratelimittest.NewFakeClock(time.Unix(1_700_000_000, 0))
		sem, err := ratelimit.NewMemorySemaphore(ratelimit.SemaphoreOptions{Clock: clock, LeaseTTL: time.Minute})
		require.NoError(t, err)
		return ratelimittest.SemaphoreHarness{Semaphore: sem, TTL: time.Minute, Now: clock.Now, Advance: clock.Advance}
	})
}

func TestRedisSemaphoreConformance(t *testing.T) {
	t.Parallel()
	rdb := newRedisClient(t)
	ratelimittest.RunSemaphore(t, func(t *testing.T) ratelimittest.SemaphoreHarness {
		sem, err := ratelimit.NewRedisSemaphore(rdb, ratelimit.SemaphoreOptions{
			Prefix:       testPrefix(t, rdb),
			LeaseTTL:     2 * time.Second,
			PollInterval: 10 * time.Millisecond,
		})
		require.NoError(t, err)
		return ratelimittest.SemaphoreHarness{Semaphore: sem, TTL: 2 * time.Second, Now: time.Now, Advance: time.Sleep}
	})
}

func TestSemaphoreOptionsValidated(t *testing.T) {
	t.Parallel()
	_, err := ratelimit.NewRedisSemaphore(nil, ratelimit.SemaphoreOptions{})
	require.ErrorContains(t, err, "nil")
	for _, c := range []struct {
		opts  ratelimit.SemaphoreOptions
		field string
	}{
		{ratelimit.SemaphoreOptions{Prefix: "}"}, "Prefix"},
		{ratelimit.SemaphoreOptions{LeaseTTL: -time.Second}, "LeaseTTL"},
		{ratelimit.SemaphoreOptions{LeaseTTL: time.Microsecond}, "LeaseTTL"},
		{ratelimit.SemaphoreOptions{PollInterval: -1}, "PollInterval"},
	} {
		_, err := ratelimit.NewMemorySemaphore(c.opts)
		require.ErrorContains(t, err, "ratelimit: SemaphoreOptions."+c.field)
		_, err = ratelimit.NewRedisSemaphore(closedClient(t), c.opts)
		require.ErrorContains(t, err, "ratelimit: SemaphoreOptions."+c.field)
	}
}

func TestRedisSemaphoreDownFailsClosed(t *testing.T) {
	t.Parallel()
	sem, err := ratelimit.NewRedisSemaphore(closedClient(t), ratelimit.SemaphoreOptions{})
	require.NoError(t, err)
	lease, ok, err := sem.TryAcquire(t.Context(), "k", 4)
	require.ErrorIs(t, err, ratelimit.ErrUnavailable)
	require.False(t, ok)
	require.Nil(t, lease)
	_, err = sem.Acquire(t.Context(), "k", 4)
	require.ErrorIs(t, err, ratelimit.ErrUnavailable, "Acquire does not wait out an outage")
}
