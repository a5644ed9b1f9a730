package queue_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

func TestNewRedisOptions(t *testing.T) {
	t.Parallel()
	// NewRedis does not contact Redis: no server is needed.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	for _, tc := range []struct {
		name  string
		opts  queue.RedisOptions
		field string
	}{
		{"prefix with a brace", queue.RedisOptions{Prefix: "a{b"}, "Prefix"},
		{"prefix with a space", queue.RedisOptions{Prefix: "a b"}, "Prefix"},
		{"negative ack batch", queue.RedisOptions{AckBatch: -1}, "AckBatch"},
		{"ack batch too large", queue.RedisOptions{AckBatch: 4001}, "AckBatch"},
		{"negative ack delay", queue.RedisOptions{AckDelay: -time.Millisecond}, "AckDelay"},
		{"ack delay too long", queue.RedisOptions{AckDelay: 2 * time.Second}, "AckDelay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := queue.NewRedis(rdb, tc.opts)
			require.ErrorIs(t, err, queue.ErrInvalid)
			require.ErrorContains(t, err, "RedisOptions."+tc.field)
		})
	}
	_, err := queue.NewRedis(nil, queue.RedisOptions{})
	require.ErrorIs(t, err, queue.ErrInvalid)

	b, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: "app:jobs", AckBatch: 4000, AckDelay: time.Second})
	require.NoError(t, err)
	require.NoError(t, b.Close())
}
