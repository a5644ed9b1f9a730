package webhook_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/replaytest"
)

func TestMemoryReplayStoreContract(t *testing.T) {
	t.Parallel()
	replaytest.Run(t, func(*testing.T) webhook.ReplayStore { return webhook.NewMemoryReplayStore() })
}

func TestMemoryReplayStoreDropsExpiredKeys(t *testing.T) {
	t.Parallel()
	s := webhook.NewMemoryReplayStore()
	ctx := t.Context()
	for _, k := range []string{"a", "b", "c"} {
		first, err := s.Remember(ctx, k, 50*time.Millisecond)
		require.NoError(t, err)
		require.True(t, first)
	}
	first, err := s.Remember(ctx, "long", time.Hour)
	require.NoError(t, err)
	require.True(t, first)
	require.Equal(t, 4, s.Len())
	require.Eventually(t, func() bool { return s.Len() == 1 }, 5*time.Second, 10*time.Millisecond,
		"expired keys are dropped, the others kept")
}

func TestRedisReplayStoreContract(t *testing.T) {
	t.Parallel()
	rdb := newRedisClient(t)
	prefix := testPrefix(t, rdb)
	s, err := webhook.NewRedisReplayStore(rdb, webhook.RedisReplayOptions{Prefix: prefix})
	require.NoError(t, err)
	replaytest.Run(t, func(*testing.T) webhook.ReplayStore { return s })
}

func TestRedisReplayStoreKeysAndTTL(t *testing.T) {
	t.Parallel()
	rdb := newRedisClient(t)
	prefix := testPrefix(t, rdb)
	s, err := webhook.NewRedisReplayStore(rdb, webhook.RedisReplayOptions{Prefix: prefix})
	require.NoError(t, err)
	ctx := t.Context()

	first, err := s.Remember(ctx, "standard:msg_1", 90*time.Second)
	require.NoError(t, err)
	require.True(t, first)
	pttl, err := rdb.PTTL(ctx, prefix+":standard:msg_1").Result()
	require.NoError(t, err)
	require.InDelta(t, float64(90*time.Second), float64(pttl), float64(5*time.Second), "the key lives for the ttl")

	// Another prefix is another namespace.
	other, err := webhook.NewRedisReplayStore(rdb, webhook.RedisReplayOptions{Prefix: prefix + "-other"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdb.Del(context.Background(), prefix+"-other:standard:msg_1").Err() })
	first, err = other.Remember(ctx, "standard:msg_1", time.Minute)
	require.NoError(t, err)
	require.True(t, first)
}

func TestRedisReplayStoreDown(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	s, err := webhook.NewRedisReplayStore(rdb, webhook.RedisReplayOptions{})
	require.NoError(t, err)
	_, err = s.Remember(t.Context(), "k", time.Minute)
	require.ErrorContains(t, err, "webhook: replay store")
	require.ErrorContains(t, s.Forget(t.Context(), "k"), "webhook: replay store")
}

func TestNewRedisReplayStoreNilClient(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewRedisReplayStore(nil, webhook.RedisReplayOptions{})
	require.ErrorContains(t, err, "nil client")
}

// newRedisClient connects to TEST_REDIS_URL (skipping without it, failing
// under REQUIRE_SERVICES=1) and closes the client after the test.
func newRedisClient(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	require.NoError(t, rdb.Ping(t.Context()).Err())
	return rdb
}

// testPrefix returns a key prefix of the test's own and deletes its keys
// after the test: the Redis server is shared, never flushed.
func testPrefix(t testing.TB, rdb redis.UniversalClient) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "whtest-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var keys []string
		iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			_ = rdb.Del(ctx, keys...).Err()
		}
	})
	return prefix
}
