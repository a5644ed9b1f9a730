package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// The semaphore's scripts keep a key's leases in a sorted set: member the
// lease ID, score its expiry in microseconds of Redis TIME. Expired
// leases are dropped before counting, so a crashed holder's slot frees
// itself; the set expires with its last lease.

// acquireScript: KEYS[1] the set; ARGV slots, TTL µs, lease ID. Replies
// {1, 0} when it took a slot, {0, µs until the earliest lease expires}
// when all are taken.
var acquireScript = redis.NewScript(`
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + ARGV[2], ARGV[3])
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', KEYS[1], math.ceil((last[2] - now) / 1000))
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, first[2] - now}
`)

// extendScript: KEYS[1] the set; ARGV TTL µs, lease ID. Replies 1 when
// the lease was live and now lasts TTL more, else 0.
var extendScript = redis.NewScript(`
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local exp = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[2]))
if not exp or exp <= now then
  redis.call('ZREM', KEYS[1], ARGV[2])
  return 0
end
redis.call('ZADD', KEYS[1], now + ARGV[1], ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.ceil((last[2] - now) / 1000))
return 1
`)

// releaseScript: KEYS[1] the set; ARGV[1] lease ID. Replies 1 when the
// lease was live, else 0; either way it is gone.
var releaseScript = redis.NewScript(`
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local exp = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
redis.call('ZREM', KEYS[1], ARGV[1])
if exp and exp > now then return 1 end
return 0
`)

// RedisSemaphore is a Semaphore whose leases live in Redis, shared by
// every replica, on Redis's clock. Acquiring, extending and releasing are
// one script run each.
type RedisSemaphore struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    int64 // µs
	poll   time.Duration
}

// NewRedisSemaphore returns a RedisSemaphore on rdb, or an error naming
// the option that is invalid. Clock does not apply. rdb stays the
// caller's to close.
func NewRedisSemaphore(rdb redis.UniversalClient, opts SemaphoreOptions) (*RedisSemaphore, error) {
	if rdb == nil {
		return nil, errors.New("ratelimit: NewRedisSemaphore needs a Redis client, got nil")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &RedisSemaphore{rdb: rdb, prefix: opts.Prefix + ":", ttl: opts.LeaseTTL.Microseconds(), poll: opts.PollInterval}, nil
}

// TryAcquire takes one of the slots of key if one is free; see Semaphore.
func (s *RedisSemaphore) TryAcquire(ctx context.Context, key string, slots int) (*Lease, bool, error) {
	lease, _, err := s.try(ctx, key, slots)
	return lease, lease != nil, err
}

// Acquire takes a slot of key, trying again every PollInterval, or when
// the earliest lease expires if that is sooner; see Semaphore.
func (s *RedisSemaphore) Acquire(ctx context.Context, key string, slots int) (*Lease, error) {
	for {
		lease, next, err := s.try(ctx, key, slots)
		if err != nil || lease != nil {
			return lease, err
		}
		if err := sleepCtx(ctx, min(next, s.poll)); err != nil {
			return nil, err
		}
	}
}

func (s *RedisSemaphore) try(ctx context.Context, key string, slots int) (*Lease, time.Duration, error) {
	if err := checkSlots(key, slots); err != nil {
		return nil, 0, err
	}
	id := newLeaseID()
	reply, err := acquireScript.Run(ctx, s.rdb, []string{s.key(key)}, slots, s.ttl, id).Int64Slice()
	if err != nil {
		return nil, 0, s.fail(ctx, "acquire", key, err)
	}
	if len(reply) != 2 {
		return nil, 0, fmt.Errorf("ratelimit: semaphore script replied %v", reply)
	}
	if reply[0] == 1 {
		return &Lease{Key: key, ID: id, store: s}, 0, nil
	}
	return nil, max(micros(reply[1]), time.Millisecond), nil
}

func (s *RedisSemaphore) release(ctx context.Context, key, id string) (bool, error) {
	n, err := releaseScript.Run(ctx, s.rdb, []string{s.key(key)}, id).Int64()
	if err != nil {
		return false, s.fail(ctx, "release", key, err)
	}
	return n == 1, nil
}

func (s *RedisSemaphore) extend(ctx context.Context, key, id string) (bool, error) {
	n, err := extendScript.Run(ctx, s.rdb, []string{s.key(key)}, s.ttl, id).Int64()
	if err != nil {
		return false, s.fail(ctx, "extend", key, err)
	}
	return n == 1, nil
}

func (s *RedisSemaphore) key(key string) string { return redisKey(s.prefix, key, "concurrency") }

// fail wraps a failed round trip: ctx's error as it is, anything else as
// ErrUnavailable.
func (s *RedisSemaphore) fail(ctx context.Context, op, key string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%w: semaphore %s %q: %w", ErrUnavailable, op, key, err)
}
