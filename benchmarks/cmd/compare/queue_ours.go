package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/queue"
)

// queueRunOurs measures package queue under prefix: Enqueue from 50 goroutines,
// then a Worker with Concurrency 50 until every job has run and the
// worker has shut down (so every acknowledgement is written), then the
// pickup latency of single jobs on the idle queue.
func queueRunOurs(ctx context.Context, rdb *redis.Client, prefix string) (res queueResult, err error) {
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = errors.Join(err, queueDeleteKeys(cctx, rdb, prefix+":*"))
	}()
	log := slog.New(slog.DiscardHandler)
	b, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: prefix, Logger: log})
	if err != nil {
		return res, err
	}
	defer func() { err = errors.Join(err, b.Close()) }()

	res.enqueued, err = queueEnqueueAll(ctx, func(ctx context.Context) error {
		_, err := b.Enqueue(ctx, "noop", queuePayload)
		return err
	})
	if err != nil {
		return res, err
	}

	var done atomic.Int64
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	w, err := queue.NewWorker(b, queue.HandlerFunc(func(context.Context, *queue.Job) error {
		if done.Add(1) == queueJobs {
			stop()
		}
		return nil
	}), queue.WorkerConfig{Concurrency: queueConcurrency, Logger: log})
	if err != nil {
		return res, err
	}
	start := time.Now()
	if err := w.Run(wctx); err != nil {
		return res, err
	}
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if n := done.Load(); n != queueJobs {
		return res, fmt.Errorf("%d of %d jobs ran", n, queueJobs)
	}
	stats, err := b.Stats(ctx)
	if err != nil {
		return res, err
	}
	if len(stats) != 1 || stats[0].Processed != queueJobs || stats[0].Pending+stats[0].Active != 0 {
		return res, fmt.Errorf("after the run: %+v", stats)
	}
	res.processed = queueJobs / elapsed.Seconds()

	runtime.GC() // the run's garbage is not the idle queue's business
	res.pickupP50, res.pickupP99, err = queueIdlePickup(ctx, b, rdb, log)
	return res, err
}

// queueIdlePickup measures, on an idle queue with a worker blocked waiting,
// the time from Enqueue's call to the handler's start. For scale, it also
// times a PING after each pickup and reports that on stderr: on a busy
// machine the tail of both is the scheduler's.
func queueIdlePickup(ctx context.Context, b *queue.Redis, rdb *redis.Client, log *slog.Logger) (p50, p99 float64, err error) {
	started := make(chan time.Time, 1)
	wctx, stop := context.WithCancel(ctx)
	w, err := queue.NewWorker(b, queue.HandlerFunc(func(context.Context, *queue.Job) error {
		started <- time.Now()
		return nil
	}), queue.WorkerConfig{Concurrency: queueConcurrency, Queues: map[string]int{"idle": 1}, Logger: log})
	if err != nil {
		stop()
		return 0, 0, err
	}
	runErr := make(chan error, 1)
	go func() { runErr <- w.Run(wctx) }()
	defer func() {
		stop()
		err = errors.Join(err, <-runErr)
	}()
	lat := make([]time.Duration, 0, queueIdleSamples)
	pings := make([]time.Duration, 0, queueIdleSamples)
	for i := range queueIdleSamples + 10 {
		// Let the worker settle into its blocking read.
		time.Sleep(time.Duration(2+rand.IntN(9)) * time.Millisecond)
		t0 := time.Now()
		if _, err := b.Enqueue(ctx, "ping", nil, queue.OnQueue("idle")); err != nil {
			return 0, 0, err
		}
		select {
		case t := <-started:
			p0 := time.Now()
			if err := rdb.Ping(ctx).Err(); err != nil {
				return 0, 0, err
			}
			if i >= 10 { // the first few warm up connections
				lat = append(lat, t.Sub(t0))
				pings = append(pings, time.Since(p0))
			}
		case <-time.After(5 * time.Second):
			return 0, 0, errors.New("idle pickup: job not picked up within 5s")
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		}
	}
	p50, p99 = queuePercentiles(lat)
	ping50, ping99 := queuePercentiles(pings)
	fmt.Fprintf(os.Stderr, "compare: queue: Redis PING during the idle pickups: p50 %.2f ms, p99 %.2f ms\n", ping50, ping99)
	return p50, p99, nil
}
