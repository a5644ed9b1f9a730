package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/ratelimit"
)

// The workload of the anchors: 50 goroutines over 1,000 keys,
// and 50 goroutines on one key that is over its limit. Each side gets its
// own client with the same options, a warm-up, and five timed rounds
// interleaved with the other side's (ours, peer, ours, peer), so that a
// slow moment of the shared machine does not fall on one side only.
const (
	rlGoroutines = 50
	rlKeys       = 1000
	rlWarmup     = 500 * time.Millisecond
	rlRound      = 2 * time.Second
	rlRounds     = 5
)

// compareRatelimit compares package ratelimit with go-redis/redis_rate
// (GCRA in one Lua script) on the same Redis.
func compareRatelimit(ctx context.Context, redisURL string) error {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return err
	}
	opt.PoolSize = rlGoroutines // neither side waits for a connection
	ourClient, peerClient := redis.NewClient(opt), redis.NewClient(opt)
	defer ourClient.Close()
	defer peerClient.Close()
	if err := ourClient.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at %s: %w", redisURL, err)
	}

	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "compare-" + hex.EncodeToString(b)
	defer deleteKeys(context.WithoutCancel(ctx), ourClient, prefix+":*", "rate:"+prefix+":*")

	ours, err := ratelimit.NewRedis(ourClient, ratelimit.RedisOptions{Prefix: prefix})
	if err != nil {
		return err
	}
	defer ours.Close()
	peer := redis_rate.NewLimiter(peerClient)

	keys := make([]string, rlKeys)
	for i := range keys {
		keys[i] = prefix + ":k" + strconv.Itoa(i)
	}
	// Generous enough that most decisions on 1,000 keys are admissions.
	ourLimit, peerLimit := ratelimit.PerSecond(1000), redis_rate.PerSecond(1000)
	oursMany := func(ctx context.Context, i int) error {
		_, err := ours.Allow(ctx, keys[i%rlKeys], ourLimit)
		return err
	}
	peerMany := func(ctx context.Context, i int) error {
		_, err := peer.Allow(ctx, keys[i%rlKeys], peerLimit)
		return err
	}
	o, p, err := interleave(ctx, oursMany, peerMany)
	if err != nil {
		return err
	}
	report("ratelimit", "decisions_per_s", o, p)

	// One key, one request a minute: after the first, every decision is a
	// denial.
	hot := prefix + ":hot"
	ourHot, peerHot := ratelimit.PerMinute(1), redis_rate.PerMinute(1)
	var ourAllowed, peerAllowed atomic.Int64
	oursHot := func(ctx context.Context, _ int) error {
		res, err := ours.Allow(ctx, hot, ourHot)
		if err == nil && res.Allowed {
			ourAllowed.Add(1)
		}
		return err
	}
	peerHotFn := func(ctx context.Context, _ int) error {
		res, err := peer.Allow(ctx, hot, peerHot)
		if err == nil && res.Allowed > 0 {
			peerAllowed.Add(1)
		}
		return err
	}
	o, p, err = interleave(ctx, oursHot, peerHotFn)
	if err != nil {
		return err
	}
	if ourAllowed.Load() != 1 || peerAllowed.Load() != 1 {
		return fmt.Errorf("hot key: admitted ours=%d peer=%d, want 1 each", ourAllowed.Load(), peerAllowed.Load())
	}
	report("ratelimit", "hot_denied_per_s", o, p)
	return nil
}

// interleave warms both sides up, then runs rlRounds timed rounds of
// each, alternating, and returns each side's decisions per second over
// its rounds.
func interleave(ctx context.Context, ours, peer func(context.Context, int) error) (float64, float64, error) {
	for _, f := range []func(context.Context, int) error{ours, peer} {
		if _, _, err := drive(ctx, rlWarmup, f); err != nil {
			return 0, 0, err
		}
	}
	var on, pn int64
	var od, pd time.Duration
	for range rlRounds {
		n, d, err := drive(ctx, rlRound, ours)
		if err != nil {
			return 0, 0, fmt.Errorf("ours: %w", err)
		}
		on, od = on+n, od+d
		if n, d, err = drive(ctx, rlRound, peer); err != nil {
			return 0, 0, fmt.Errorf("peer: %w", err)
		}
		pn, pd = pn+n, pd+d
	}
	return float64(on) / od.Seconds(), float64(pn) / pd.Seconds(), nil
}

// drive calls f from rlGoroutines goroutines for about d, and returns how
// many calls completed and how long that took.
func drive(ctx context.Context, d time.Duration, f func(context.Context, int) error) (int64, time.Duration, error) {
	var n atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	start := time.Now()
	stop := start.Add(d)
	for g := range rlGoroutines {
		wg.Go(func() {
			for i := g * 7919; time.Now().Before(stop) && ctx.Err() == nil; i++ {
				if err := f(ctx, i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return n.Load(), time.Since(start), firstErr
}

// deleteKeys deletes the keys matching the patterns.
func deleteKeys(ctx context.Context, rdb *redis.Client, patterns ...string) {
	for _, pattern := range patterns {
		iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
		var batch []string
		for iter.Next(ctx) {
			if batch = append(batch, iter.Val()); len(batch) == 500 {
				_ = rdb.Del(ctx, batch...).Err()
				batch = batch[:0]
			}
		}
		if len(batch) > 0 {
			_ = rdb.Del(ctx, batch...).Err()
		}
	}
}
