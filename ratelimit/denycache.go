package ratelimit

import (
	"hash/maphash"
	"slices"
	"sync"
	"time"
)

// DefaultDenyCacheSize is the default RedisOptions.DenyCacheSize.
const DefaultDenyCacheSize = 10_000

const denyShards = 16

// denyCache remembers, per limiter instance, the keys Redis denied and
// until when: a request of at least the denied cost on the same limits is
// denied in-process until then, without a round trip, so a hot abusive
// key costs Redis nothing.
//
// It never denies what Redis would admit. A TAT only grows (admissions on
// other replicas push it further; expiry happens only once it is passed),
// so a request Redis denied with a retry time r cannot be admitted before
// r, nor can any request of a larger cost. The deadline is measured from
// the moment the request was sent, which is no later than the moment the
// script ran, so clock skew between replicas and Redis does not matter:
// only the local monotonic clock is used. Requests of a smaller cost still
// go to Redis.
type denyCache struct {
	seed     maphash.Seed
	perShard int
	shards   [denyShards]denyShard
}

type denyShard struct {
	mu sync.RWMutex
	m  map[string]*denyEntry
	_  [32]byte // keeps shards' locks on separate cache lines
}

// denyEntry is immutable once stored.
type denyEntry struct {
	limits  []Limit // the decision's limits, compared by value
	cost    int64   // requests of at least this cost are denied
	until   int64   // until this time (the limiter's monotonic ns)
	resetAt int64   // when the deciding limit is full again
	decider int     // index in limits of the deciding limit
	spec    spec    // the deciding limit's
}

func newDenyCache(size int) *denyCache {
	c := &denyCache{seed: maphash.MakeSeed(), perShard: max(1, size/denyShards)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*denyEntry)
	}
	return c
}

func (c *denyCache) shard(key string) *denyShard {
	return &c.shards[maphash.String(c.seed, key)%denyShards]
}

// get answers a request from the cache when it is known to be denied at
// time now.
func (c *denyCache) get(key string, limits []Limit, cost, now int64) (Result, bool) {
	sh := c.shard(key)
	sh.mu.RLock()
	e := sh.m[key]
	sh.mu.RUnlock()
	if e == nil || now >= e.until || cost < e.cost || !slices.Equal(e.limits, limits) {
		return Result{}, false
	}
	debt := max(e.resetAt-now, 0) / 1000
	return Result{
		Remaining:  remaining(e.spec, debt),
		RetryAfter: time.Duration(e.until - now),
		ResetAfter: time.Duration(max(e.resetAt-now, 0)),
		Limit:      e.limits[e.decider],
	}, true
}

// put records a denial of limits made at time now; limits is copied. A
// full shard drops its expired entries, then arbitrary ones.
func (c *denyCache) put(key string, limits []Limit, e *denyEntry, now int64) {
	e.limits = slices.Clone(limits)
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[key]; !ok && len(sh.m) >= c.perShard {
		for k, old := range sh.m {
			if old.until <= now {
				delete(sh.m, k)
			}
		}
		for k := range sh.m {
			if len(sh.m) < c.perShard {
				break
			}
			delete(sh.m, k)
		}
	}
	sh.m[key] = e
}

// forget drops what the cache knows of key.
func (c *denyCache) forget(key string) {
	sh := c.shard(key)
	sh.mu.Lock()
	delete(sh.m, key)
	sh.mu.Unlock()
}
