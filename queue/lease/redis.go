package lease

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore keeps leases in Redis: a lease is the key
// "<prefix>:lease:<key>" holding its owner with a PX expiry, so that it
// lapses by itself when its holder stops renewing; heartbeats are a
// sorted set "<prefix>:owners" of owners scored by when they lapse.
// Every operation is one script, atomic on the server.
type RedisStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedisStore returns a RedisStore whose keys start with prefix.
func NewRedisStore(rdb redis.UniversalClient, prefix string) *RedisStore {
	return &RedisStore{rdb: rdb, prefix: prefix}
}

func (s *RedisStore) leaseKey(key string) string { return s.prefix + ":lease:" + key }

var acquireScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
	return 1
end
return 0`)

// Acquire implements Store.
func (s *RedisStore) Acquire(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if err := check(owner, ttl, key); err != nil {
		return false, err
	}
	n, err := acquireScript.Run(ctx, s.rdb, []string{s.leaseKey(key)}, owner, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("lease: acquire %s: %w", key, err)
	}
	return n == 1, nil
}

// renewScript extends each KEYS[i] still held by ARGV[1] and returns
// the 1-based indexes of those it does not hold.
var renewScript = redis.NewScript(`
local lost = {}
for i, k in ipairs(KEYS) do
	if redis.call('GET', k) == ARGV[1] then
		redis.call('PEXPIRE', k, ARGV[2])
	else
		table.insert(lost, i)
	end
end
return lost`)

// Renew implements Store.
func (s *RedisStore) Renew(ctx context.Context, keys []string, owner string, ttl time.Duration) ([]string, error) {
	if err := check(owner, ttl, keys...); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.leaseKey(k)
	}
	idx, err := renewScript.Run(ctx, s.rdb, full, owner, ttl.Milliseconds()).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("lease: renew: %w", err)
	}
	lost := make([]string, 0, len(idx))
	for _, i := range idx {
		lost = append(lost, keys[i-1])
	}
	return lost, nil
}

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

// Release implements Store.
func (s *RedisStore) Release(ctx context.Context, key, owner string) error {
	if err := check(owner, time.Second, key); err != nil {
		return err
	}
	if err := releaseScript.Run(ctx, s.rdb, []string{s.leaseKey(key)}, owner).Err(); err != nil {
		return fmt.Errorf("lease: release %s: %w", key, err)
	}
	return nil
}

// heartbeatScript records ARGV[1] as alive until now+ARGV[2] ms (the
// server's clock), drops owners that lapsed, and counts the rest.
var heartbeatScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])`)

// Heartbeat implements Store.
func (s *RedisStore) Heartbeat(ctx context.Context, owner string, ttl time.Duration) (int, error) {
	if err := check(owner, ttl); err != nil {
		return 0, err
	}
	n, err := heartbeatScript.Run(ctx, s.rdb, []string{s.prefix + ":owners"}, owner, strconv.FormatInt(ttl.Milliseconds(), 10)).Int()
	if err != nil {
		return 0, fmt.Errorf("lease: heartbeat: %w", err)
	}
	return n, nil
}
