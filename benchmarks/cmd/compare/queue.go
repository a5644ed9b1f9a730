package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// The queue comparison's workload, as the issue states it: 50,000 no-op
// jobs, enqueued by 50 goroutines and processed at concurrency 50, on the
// same Redis, in one run.
const (
	queueJobs        = 50_000
	queueConcurrency = 50
	queueIdleSamples = 500
)

// queuePayload is every job's payload (asynq's and ours alike).
var queuePayload = []byte(`{"integration":"42"}`)

// compareQueue compares package queue with hibiken/asynq v0.26.0: enqueue
// and processing rates of both, then our pickup latency on an idle queue.
// Both run with their default options (asynq on its own connections, ours
// on a default go-redis client), ours with the durability options the
// crash test uses: the defaults, acknowledgements batched.
func compareQueue(ctx context.Context, redisURL string) error {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}

	peer, err := queueRunAsynq(ctx, rdb, "cmp"+queueRandomHex())
	if err != nil {
		return fmt.Errorf("asynq: %w", err)
	}
	ours, err := queueRunOurs(ctx, rdb, "cmp-"+queueRandomHex())
	if err != nil {
		return fmt.Errorf("ours: %w", err)
	}
	report("queue", "processed_per_s", ours.processed, peer.processed)
	report("queue", "enqueue_per_s", ours.enqueued, peer.enqueued)
	fmt.Printf("queue idle_pickup_p50_ms ours=%.2f\n", ours.pickupP50)
	fmt.Printf("queue idle_pickup_p99_ms ours=%.2f\n", ours.pickupP99)
	return nil
}

// queueResult is what one queue's run measured.
type queueResult struct {
	enqueued, processed  float64 // jobs per second
	pickupP50, pickupP99 float64 // milliseconds
}

// queueEnqueueAll runs enqueue queueJobs times from queueConcurrency goroutines
// and returns the rate.
func queueEnqueueAll(ctx context.Context, enqueue func(ctx context.Context) error) (float64, error) {
	errs := make(chan error, queueConcurrency)
	start := time.Now()
	for w := range queueConcurrency {
		n := queueJobs / queueConcurrency
		if w < queueJobs%queueConcurrency {
			n++
		}
		go func() {
			for range n {
				if err := enqueue(ctx); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range queueConcurrency {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return queueJobs / time.Since(start).Seconds(), first
}

// queuePercentile returns the p-th queuePercentile (0-100) of sorted durations, in
// milliseconds.
func queuePercentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(float64(len(sorted))*p/100), len(sorted)-1)
	return float64(sorted[i].Microseconds()) / 1000
}

func queuePercentiles(ds []time.Duration) (p50, p99 float64) {
	slices.Sort(ds)
	return queuePercentile(ds, 50), queuePercentile(ds, 99)
}

func queueRandomHex() string {
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

// queueDeleteKeys deletes the keys matching pattern.
func queueDeleteKeys(ctx context.Context, rdb *redis.Client, pattern string) error {
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		if err := rdb.Unlink(ctx, keys[:n]...).Err(); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}
