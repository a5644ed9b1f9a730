package ratelimit_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
)

// commandCounter is a go-redis hook counting the scripts run (and not
// the commands that set a connection up).
type commandCounter struct{ n atomic.Int64 }

func (c *commandCounter) count(cmds ...redis.Cmder) {
	for _, cmd := range cmds {
		if name := cmd.Name(); name == "evalsha" || name == "eval" {
			c.n.Add(1)
		}
	}
}

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.count(cmd)
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.count(cmds...)
		return next(ctx, cmds)
	}
}

func countedLimiter(t *testing.T, opts ratelimit.RedisOptions) (*ratelimit.RedisLimiter, *commandCounter) {
	t.Helper()
	rdb := newRedisClient(t)
	counter := &commandCounter{}
	rdb.AddHook(counter)
	return newRedisLimiter(t, rdb, opts), counter
}

func TestDenyCacheAnswersWithoutRedis(t *testing.T) {
	t.Parallel()
	lim, sent := countedLimiter(t, ratelimit.RedisOptions{})
	ctx := t.Context()
	l := ratelimit.PerHour(10)

	res, err := lim.AllowN(ctx, "k", 10, l)
	require.NoError(t, err)
	require.True(t, res.Allowed)
	res, err = lim.AllowN(ctx, "k", 5, l)
	require.NoError(t, err)
	require.False(t, res.Allowed)
	first := res
	require.Equal(t, int64(2), sent.n.Load())

	for range 100 {
		res, err = lim.AllowN(ctx, "k", 5, l)
		require.NoError(t, err)
		require.False(t, res.Allowed)
		require.Equal(t, l, res.Limit)
		require.LessOrEqual(t, res.RetryAfter, first.RetryAfter)
		require.Greater(t, res.RetryAfter, first.RetryAfter-time.Minute)
		require.Zero(t, res.Remaining)
	}
	res, err = lim.AllowN(ctx, "k", 7, l)
	require.NoError(t, err)
	require.False(t, res.Allowed, "a costlier request is denied from the cache too")
	require.Equal(t, int64(2), sent.n.Load(), "no round trip for a cached denial")
	require.Equal(t, uint64(101), lim.Stats().DenyCacheHits)

	res, err = lim.AllowN(ctx, "k", 1, l)
	require.NoError(t, err)
	require.False(t, res.Allowed)
	require.Equal(t, int64(3), sent.n.Load(), "a cheaper request than the one denied asks Redis")
	res, err = lim.AllowN(ctx, "k", 0, l)
	require.NoError(t, err)
	require.True(t, res.Allowed)
	require.Equal(t, int64(4), sent.n.Load(), "a cost of 0 always asks Redis")

	other := ratelimit.PerHour(10).Named("other")
	res, err = lim.AllowN(ctx, "k", 5, l, other)
	require.NoError(t, err)
	require.False(t, res.Allowed)
	require.Equal(t, int64(5), sent.n.Load(), "another set of limits on the key is not answered from the cache")
}

func TestDenyCacheExpiresAtTheRetryTime(t *testing.T) {
	t.Parallel()
	lim, sent := countedLimiter(t, ratelimit.RedisOptions{})
	ctx := t.Context()
	l := ratelimit.Limit{Name: "fast", Rate: 20, Period: time.Second, Burst: 1} // one every 50ms
	var res ratelimit.Result
	var err error
	for i := 0; i == 0 || res.Allowed; i++ { // a slow machine may see the unit come back
		require.Less(t, i, 100)
		res, err = lim.Allow(ctx, "k", l)
		require.NoError(t, err)
	}
	time.Sleep(res.RetryAfter + 2*time.Millisecond) // and a margin for the two clocks' rates
	before := sent.n.Load()
	res, err = lim.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.True(t, res.Allowed, "admitted once the retry time has passed")
	require.Equal(t, before+1, sent.n.Load())
}

func TestDenyCacheBounded(t *testing.T) {
	t.Parallel()
	lim, _ := countedLimiter(t, ratelimit.RedisOptions{DenyCacheSize: 32})
	ctx := t.Context()
	l := ratelimit.PerHour(1)
	for i := range 300 {
		key := "k" + strconv.Itoa(i)
		for range 2 {
			_, err := lim.Allow(ctx, key, l)
			require.NoError(t, err)
		}
	}
	require.Equal(t, uint64(300), lim.Stats().Denied)
	require.LessOrEqual(t, ratelimit.DenyCacheLen(lim), 32)
	require.Positive(t, ratelimit.DenyCacheLen(lim))
}

func TestDenyCacheOff(t *testing.T) {
	t.Parallel()
	lim, sent := countedLimiter(t, ratelimit.RedisOptions{DenyCacheSize: -1})
	ctx := t.Context()
	for range 5 {
		_, err := lim.Allow(ctx, "k", ratelimit.PerHour(1))
		require.NoError(t, err)
	}
	require.Equal(t, int64(5), sent.n.Load())
	require.Zero(t, lim.Stats().DenyCacheHits)
}
