package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisLimiter is a Limiter whose state lives in Redis, shared by every
// replica. Each decision is one run of one Lua script (EVALSHA), which
// checks and charges all the limits of the decision atomically on Redis's
// clock; concurrent decisions share pipelined round trips, and keys
// recently denied are denied again in-process (see RedisOptions).
//
// Make one per process and share it; Close it when done.
type RedisLimiter struct {
	rdb      redis.UniversalClient
	prefix   string // with its trailing ':'
	mode     FailureMode
	pipe     *pipeliner
	cache    *denyCache // nil when off
	fallback *MemoryLimiter
	health   health
	base     time.Time

	mu      sync.Mutex // guards closing and starting the prober
	closing bool
	prober  sync.WaitGroup

	closed                                  atomic.Bool
	allowed, denied, cacheHits, degradedOps atomic.Uint64
}

// NewRedis returns a RedisLimiter on rdb (a *redis.Client, a
// *redis.ClusterClient, a failover client...), or an error naming the
// option that is invalid. It does no I/O: the script is loaded on first
// use. rdb stays the caller's to close.
func NewRedis(rdb redis.UniversalClient, opts RedisOptions) (*RedisLimiter, error) {
	if rdb == nil {
		return nil, errors.New("ratelimit: NewRedis needs a Redis client, got nil")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &RedisLimiter{
		rdb:      rdb,
		prefix:   opts.Prefix + ":",
		mode:     opts.FailureMode,
		fallback: newMemory(opts.Fallback),
		base:     time.Now(),
	}
	r.health = health{interval: int64(opts.ProbeInterval), log: opts.Logger, mode: opts.FailureMode}
	if opts.DenyCacheSize > 0 {
		r.cache = newDenyCache(opts.DenyCacheSize)
	}
	r.pipe = newPipeliner(rdb, r.health.down.Load)
	return r, nil
}

// Allow is AllowN with a cost of 1.
func (r *RedisLimiter) Allow(ctx context.Context, key string, limits ...Limit) (Result, error) {
	return r.allowN(ctx, key, 1, limits, r.mode == FailClosed)
}

// AllowN decides a request of cost n on key against limits, in one round
// trip; see Limiter. Without Redis it fails open unless the limiter's
// FailureMode is FailClosed.
func (r *RedisLimiter) AllowN(ctx context.Context, key string, n int, limits ...Limit) (Result, error) {
	return r.allowN(ctx, key, n, limits, r.mode == FailClosed)
}

// Wait blocks until a request of cost n is admitted; see Limiter. Without
// Redis it fails closed (returning an error that wraps ErrUnavailable at
// once) unless the limiter's FailureMode is FailOpen.
func (r *RedisLimiter) Wait(ctx context.Context, key string, n int, limits ...Limit) error {
	closed := r.mode != FailOpen
	return waitLoop(ctx, key, func() (Result, error) { return r.allowN(ctx, key, n, limits, closed) }, sleepCtx)
}

// Reset forgets what key has spent on limits, in Redis, in this limiter's
// deny cache and in its local fallback. Other replicas' deny caches may
// still deny the key until the retry times they were told.
func (r *RedisLimiter) Reset(ctx context.Context, key string, limits ...Limit) error {
	if len(limits) == 0 {
		return nil
	}
	keys := make([]string, len(limits))
	for i, l := range limits {
		keys[i] = r.key(key, l.EffectiveName())
	}
	if r.cache != nil {
		r.cache.forget(key)
	}
	if err := r.fallback.Reset(ctx, key, limits...); err != nil {
		return err
	}
	if err := r.rdb.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("ratelimit: reset %q: %w", key, err)
	}
	return nil
}

// Stats returns the limiter's counters.
func (r *RedisLimiter) Stats() Stats {
	return Stats{
		Allowed:       r.allowed.Load(),
		Denied:        r.denied.Load(),
		DenyCacheHits: r.cacheHits.Load(),
		Degraded:      r.degradedOps.Load(),
		RedisErrors:   r.health.errors.Load(),
		Outages:       r.health.outages.Load(),
		Unavailable:   r.health.down.Load(),
	}
}

// Close stops the limiter's goroutines; later calls return ErrClosed. It
// does not close the Redis client.
func (r *RedisLimiter) Close() error {
	r.mu.Lock()
	first := !r.closing
	r.closing = true
	r.mu.Unlock()
	if first {
		r.closed.Store(true)
		r.pipe.close()
		r.prober.Wait()
	}
	return nil
}

func (r *RedisLimiter) allowN(ctx context.Context, key string, n int, limits []Limit, failClosed bool) (Result, error) {
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
	if r.closed.Load() {
		return Result{}, ErrClosed
	}
	cost := int64(n)
	start := r.now()
	if r.cache != nil && cost > 0 {
		if res, ok := r.cache.get(key, limits, cost, start); ok {
			r.denied.Add(1)
			r.cacheHits.Add(1)
			return res, nil
		}
	}
	if r.health.down.Load() {
		return r.degraded(key, n, limits, specs, failClosed, r.health.cause())
	}
	cmd, err := r.pipe.do(ctx, r.command(ctx, key, cost, specs), false)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return Result{}, ctx.Err()
	case errors.Is(err, ErrClosed):
		return Result{}, err
	case errors.Is(err, errSkipped):
		return r.degraded(key, n, limits, specs, failClosed, r.health.cause())
	default:
		r.failed(err)
		return r.degraded(key, n, limits, specs, failClosed, err)
	}
	reply := cmd.Val()
	if len(reply) != len(specs)+1 {
		return Result{}, fmt.Errorf("ratelimit: script replied %d integers for %d limits", len(reply), len(specs))
	}
	allowed := reply[0] == 1
	res, decider := outcome(limits, specs, cost, allowed, reply[1:])
	if allowed {
		r.allowed.Add(1)
		return res, nil
	}
	r.denied.Add(1)
	if r.cache != nil {
		r.cache.put(key, limits, &denyEntry{
			cost:    cost,
			until:   start + int64(res.RetryAfter),
			resetAt: start + int64(res.ResetAfter),
			decider: decider,
			spec:    specs[decider],
		}, start)
	}
	return res, nil
}

// failed records a failed round trip, and starts probing Redis when it
// begins an outage.
func (r *RedisLimiter) failed(err error) {
	if !r.health.failed(r.now(), err) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closing {
		r.prober.Go(r.probe)
	}
}

// probeSpecs is the decision the prober sends: a cost of 0 on a key of its
// own, which runs the script (loading it if the server lost it) and
// writes nothing.
var probeSpecs = []spec{{name: "probe", interval: 1, tolerance: 1}}

// probe runs during an outage: every probe interval it sends a decision
// of its own, until one succeeds or the limiter is closed.
func (r *RedisLimiter) probe() {
	ctx := r.pipe.life
	for {
		if err := sleepCtx(ctx, time.Duration(r.health.interval)); err != nil {
			return
		}
		_, err := r.pipe.do(ctx, r.command(ctx, "probe", 0, probeSpecs), true)
		if err == nil {
			r.health.succeeded(r.now())
			return
		}
		if ctx.Err() != nil {
			return
		}
		r.health.failed(r.now(), err)
	}
}

// degraded decides without Redis.
func (r *RedisLimiter) degraded(key string, n int, limits []Limit, specs []spec, failClosed bool, cause error) (Result, error) {
	r.degradedOps.Add(1)
	if failClosed {
		r.denied.Add(1)
		retry := time.Duration(r.health.nextProbe.Load() - r.now())
		return Result{RetryAfter: max(retry, time.Millisecond), Limit: limits[0], Degraded: true},
			fmt.Errorf("%w: %w", ErrUnavailable, cause)
	}
	res := r.fallback.decide(key, n, limits, specs)
	res.Degraded = true
	if res.Allowed {
		r.allowed.Add(1)
	} else {
		r.denied.Add(1)
	}
	return res, nil
}

// command builds the EVALSHA of one decision.
func (r *RedisLimiter) command(ctx context.Context, key string, cost int64, specs []spec) *redis.IntSliceCmd {
	args := make([]any, 0, 4+3*len(specs))
	args = append(args, "evalsha", gcraSHA, len(specs))
	for _, s := range specs {
		args = append(args, r.key(key, s.name))
	}
	args = append(args, cost)
	for _, s := range specs {
		args = append(args, s.interval, s.tolerance)
	}
	return redis.NewIntSliceCmd(ctx, args...)
}

// key is the Redis key of one limit of a decision on key.
func (r *RedisLimiter) key(key, name string) string { return redisKey(r.prefix, key, name) }

// now is the limiter's monotonic time in ns.
func (r *RedisLimiter) now() int64 { return int64(time.Since(r.base)) }
