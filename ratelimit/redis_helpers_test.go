package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/ratelimit/ratelimittest"
)

// newRedisClient connects to TEST_REDIS_URL (skipping without it) and
// closes the client after the test.
func newRedisClient(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	require.NoError(t, rdb.Ping(t.Context()).Err())
	return rdb
}

// testPrefix returns a key prefix of the test's own, and deletes the keys
// under it after the test: the Redis server is shared.
func testPrefix(t testing.TB, rdb redis.UniversalClient) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "rltest-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		for len(keys) > 0 {
			n := min(len(keys), 500)
			_ = rdb.Del(ctx, keys[:n]...).Err()
			keys = keys[n:]
		}
	})
	return prefix
}

// newRedisLimiter returns a limiter on rdb under a fresh prefix, closed
// after the test.
func newRedisLimiter(t testing.TB, rdb redis.UniversalClient, opts ratelimit.RedisOptions) *ratelimit.RedisLimiter {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = testPrefix(t, rdb)
	}
	lim, err := ratelimit.NewRedis(rdb, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = lim.Close() })
	return lim
}

func redisHarness(rdb redis.UniversalClient, opts ratelimit.RedisOptions) func(t *testing.T) ratelimittest.Harness {
	return func(t *testing.T) ratelimittest.Harness {
		return ratelimittest.Harness{Limiter: newRedisLimiter(t, rdb, opts), Now: time.Now, Advance: time.Sleep}
	}
}
