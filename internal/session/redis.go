package session

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore keeps sessions in Redis, shared by every process of a
// deployment: a session is the hash "<prefix>:<key>" of its end and idle
// times (Unix milliseconds), which Redis expires at the idle time.
// Every operation is one round trip.
type RedisStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedisStore returns a RedisStore whose keys start with prefix.
func NewRedisStore(rdb redis.UniversalClient, prefix string) *RedisStore {
	return &RedisStore{rdb: rdb, prefix: prefix}
}

func (s *RedisStore) key(key string) string { return s.prefix + ":" + key }

// Put implements Store.
func (s *RedisStore) Put(ctx context.Context, key string, now, end, idle time.Time) error {
	k := s.key(key)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, "end", end.UnixMilli(), "idle", idle.UnixMilli())
		p.PExpire(ctx, k, max(idle.Sub(now), time.Millisecond))
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// touchScript: KEYS[1] the session, ARGV[1] now and ARGV[2] the new idle
// time (Unix ms). It returns 1 when the session is live (and moves its
// idle time, capped at its end), else 0 (and deletes it).
var touchScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'end', 'idle')
if not v[1] or not v[2] then return 0 end
local now, e, idle = tonumber(ARGV[1]), tonumber(v[1]), tonumber(v[2])
if now >= e or now >= idle then
	redis.call('DEL', KEYS[1])
	return 0
end
idle = math.min(tonumber(ARGV[2]), e)
redis.call('HSET', KEYS[1], 'idle', string.format('%d', idle))
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(idle - now, 1)))
return 1`)

// Touch implements Store.
func (s *RedisStore) Touch(ctx context.Context, key string, now, idle time.Time) (bool, error) {
	n, err := touchScript.Run(ctx, s.rdb, []string{s.key(key)}, now.UnixMilli(), idle.UnixMilli()).Int()
	if err != nil {
		return false, fmt.Errorf("redis: %w", err)
	}
	return n == 1, nil
}

// Delete implements Store.
func (s *RedisStore) Delete(ctx context.Context, key string) error {
	if err := s.rdb.Del(ctx, s.key(key)).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}
