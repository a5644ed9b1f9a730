package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultReplayPrefix is the key prefix of a RedisReplayStore whose
// RedisReplayOptions.Prefix is empty.
const DefaultReplayPrefix = "webhook:replay"

// RedisReplayOptions configures a RedisReplayStore.
type RedisReplayOptions struct {
	// Prefix starts every key, followed by ":" and the replay key
	// (default DefaultReplayPrefix).
	Prefix string
}

// RedisReplayStore is a ReplayStore in Redis, shared by every replica of a
// service: one SET NX PX per Remember, one DEL per Forget. Keys expire in
// Redis; it starts no goroutine and works on Redis Cluster (one key per
// command). It is safe for concurrent use.
type RedisReplayStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedisReplayStore returns a RedisReplayStore on rdb, which stays the
// caller's to close.
func NewRedisReplayStore(rdb redis.UniversalClient, opts RedisReplayOptions) (*RedisReplayStore, error) {
	if rdb == nil {
		return nil, errors.New("webhook: NewRedisReplayStore: nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultReplayPrefix
	}
	return &RedisReplayStore{rdb: rdb, prefix: opts.Prefix + ":"}, nil
}

// Remember records key for ttl (at least 1ms); see ReplayStore.
func (s *RedisReplayStore) Remember(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl < time.Millisecond {
		return false, errNonPositiveTTL
	}
	err := s.rdb.Do(ctx, "SET", s.prefix+key, "1", "NX", "PX", ttl.Milliseconds()).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	default:
		return false, fmt.Errorf("webhook: replay store: %w", err)
	}
}

// Forget removes key; see ReplayStore.
func (s *RedisReplayStore) Forget(ctx context.Context, key string) error {
	if err := s.rdb.Del(ctx, s.prefix+key).Err(); err != nil {
		return fmt.Errorf("webhook: replay store: %w", err)
	}
	return nil
}
