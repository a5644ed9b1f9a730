package ratelimit_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/ratelimit/ratelimittest"
)

func TestRedisConformance(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, redisHarness(newRedisClient(t), ratelimit.RedisOptions{}))
}

func TestRedisConformanceWithoutDenyCache(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, redisHarness(newRedisClient(t), ratelimit.RedisOptions{DenyCacheSize: -1}))
}

func TestRedisOptionsValidated(t *testing.T) {
	t.Parallel()
	_, err := ratelimit.NewRedis(nil, ratelimit.RedisOptions{})
	require.ErrorContains(t, err, "nil")
	for _, c := range []struct {
		opts  ratelimit.RedisOptions
		field string
	}{
		{ratelimit.RedisOptions{Prefix: "a{b"}, "Prefix"},
		{ratelimit.RedisOptions{FailureMode: 7}, "FailureMode"},
		{ratelimit.RedisOptions{DenyCacheSize: -2}, "DenyCacheSize"},
		{ratelimit.RedisOptions{ProbeInterval: -1}, "ProbeInterval"},
		{ratelimit.RedisOptions{Fallback: ratelimit.MemoryOptions{MaxKeys: -1}}, "Fallback.MaxKeys"},
	} {
		_, err := ratelimit.NewRedis(closedClient(t), c.opts)
		require.ErrorContains(t, err, "ratelimit: RedisOptions."+c.field)
	}
}
