package ratelimit

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxKeys is the default MemoryOptions.MaxKeys.
const DefaultMaxKeys = 100_000

// MemoryOptions configures a MemoryLimiter. The zero value is valid.
type MemoryOptions struct {
	// MaxKeys bounds how many keys the limiter remembers (default
	// DefaultMaxKeys). When it is reached, keys whose limits are all full
	// again are dropped first (dropping them changes nothing), then
	// arbitrary keys, which start full when next seen.
	MaxKeys int
	// Clock is the time source (default: the system clock).
	Clock Clock
}

// memShards is how many independently locked parts a MemoryLimiter's
// table has.
const memShards = 32

// MemoryLimiter is a Limiter that keeps its state in the process: for a
// single replica, embedded mode and tests, and as the local fallback of a
// fail-open RedisLimiter. It decides exactly like the RedisLimiter, with
// its own Clock instead of Redis's.
type MemoryLimiter struct {
	clock    Clock
	base     time.Time
	seed     maphash.Seed
	perShard int
	shards   [memShards]memShard

	allowed, denied atomic.Uint64
}

type memShard struct {
	mu   sync.Mutex
	keys map[string]*memKey
	_    [40]byte // keeps shards' locks on separate cache lines
}

// memKey is the state of one key: the TAT of each limit it was charged
// on, in microseconds since the limiter's base time.
type memKey struct {
	names []string
	tats  []int64
	until int64 // the largest TAT: once passed, every limit is full
}

// NewMemory returns a MemoryLimiter, or an error naming the option that is
// invalid.
func NewMemory(opts MemoryOptions) (*MemoryLimiter, error) {
	opts, err := opts.withDefaults("MemoryOptions")
	if err != nil {
		return nil, err
	}
	return newMemory(opts), nil
}

// withDefaults validates o, naming it field in errors, and fills in its
// defaults.
func (o MemoryOptions) withDefaults(field string) (MemoryOptions, error) {
	if o.MaxKeys < 0 {
		return o, fmt.Errorf("ratelimit: %s.MaxKeys must not be negative, got %d", field, o.MaxKeys)
	}
	if o.MaxKeys == 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	return o, nil
}

func newMemory(opts MemoryOptions) *MemoryLimiter {
	m := &MemoryLimiter{
		clock:    opts.Clock,
		base:     opts.Clock.Now(),
		seed:     maphash.MakeSeed(),
		perShard: max(1, opts.MaxKeys/memShards),
	}
	for i := range m.shards {
		m.shards[i].keys = make(map[string]*memKey)
	}
	return m
}

// Allow is AllowN with a cost of 1.
func (m *MemoryLimiter) Allow(ctx context.Context, key string, limits ...Limit) (Result, error) {
	return m.AllowN(ctx, key, 1, limits...)
}

// AllowN decides a request of cost n on key against limits; see Limiter.
func (m *MemoryLimiter) AllowN(ctx context.Context, key string, n int, limits ...Limit) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if key == "" {
		return Result{}, errEmptyKey
	}
	var buf [maxLimits]spec
	specs, err := compileAll(&buf, n, limits)
	if err != nil {
		return Result{}, err
	}
	return m.decide(key, n, limits, specs), nil
}

// Wait blocks until a request of cost n is admitted; see Limiter. It
// sleeps on the limiter's Clock.
func (m *MemoryLimiter) Wait(ctx context.Context, key string, n int, limits ...Limit) error {
	return waitLoop(ctx, key, func() (Result, error) { return m.AllowN(ctx, key, n, limits...) }, m.sleep)
}

// Reset forgets what key has spent on limits.
func (m *MemoryLimiter) Reset(ctx context.Context, key string, limits ...Limit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sh := m.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	k := sh.keys[key]
	if k == nil {
		return nil
	}
	for _, l := range limits {
		if j := k.find(l.EffectiveName()); j >= 0 {
			last := len(k.names) - 1
			k.names[j], k.tats[j] = k.names[last], k.tats[last]
			k.names, k.tats = k.names[:last], k.tats[:last]
		}
	}
	if len(k.names) == 0 {
		delete(sh.keys, key)
	}
	return nil
}

// Stats returns the limiter's decision counters.
func (m *MemoryLimiter) Stats() Stats {
	return Stats{Allowed: m.allowed.Load(), Denied: m.denied.Load()}
}

// decide checks and charges compiled limits under the key's lock.
func (m *MemoryLimiter) decide(key string, n int, limits []Limit, specs []spec) Result {
	var debts [maxLimits]int64
	var slot [maxLimits]int
	cost := int64(n)
	now := m.now()
	sh := m.shard(key)
	sh.mu.Lock()
	k := sh.keys[key]
	allowed := true
	for i, s := range specs {
		slot[i] = -1
		if k != nil {
			slot[i] = k.find(s.name)
		}
		if slot[i] >= 0 && k.tats[slot[i]] > now {
			debts[i] = k.tats[slot[i]] - now
		}
		if debts[i]+cost*s.interval > s.tolerance {
			allowed = false
		}
	}
	if allowed && cost > 0 {
		if k == nil {
			k = m.insert(sh, key, now)
		}
		for i, s := range specs {
			debts[i] += cost * s.interval
			tat := now + debts[i]
			if slot[i] < 0 {
				k.names = append(k.names, s.name)
				k.tats = append(k.tats, tat)
			} else {
				k.tats[slot[i]] = tat
			}
			k.until = max(k.until, tat)
		}
	}
	sh.mu.Unlock()
	if allowed {
		m.allowed.Add(1)
	} else {
		m.denied.Add(1)
	}
	res, _ := outcome(limits, specs, cost, allowed, debts[:len(specs)])
	return res
}

// insert adds an empty key to a locked shard, making room first.
func (m *MemoryLimiter) insert(sh *memShard, key string, now int64) *memKey {
	if len(sh.keys) >= m.perShard {
		for name, k := range sh.keys {
			if k.until <= now {
				delete(sh.keys, name)
			}
		}
		// Still full of live keys: drop arbitrary ones, down to 90% so
		// that the next inserts do not scan again.
		for name := range sh.keys {
			if len(sh.keys) < m.perShard*9/10+1 {
				break
			}
			delete(sh.keys, name)
		}
	}
	k := &memKey{}
	sh.keys[key] = k
	return k
}

func (k *memKey) find(name string) int {
	for j, n := range k.names {
		if n == name {
			return j
		}
	}
	return -1
}

func (m *MemoryLimiter) shard(key string) *memShard {
	return &m.shards[maphash.String(m.seed, key)%memShards]
}

// now is the limiter's time in microseconds since its base time.
func (m *MemoryLimiter) now() int64 { return m.clock.Now().Sub(m.base).Microseconds() }

func (m *MemoryLimiter) sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-m.clock.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
