package queue_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// BenchmarkRedisEnqueue enqueues no-op jobs from 50 goroutines.
func BenchmarkRedisEnqueue(b *testing.B) {
	br, _ := newTestRedis(b, queue.RedisOptions{})
	ctx := context.Background()
	payload := []byte(`{"integration":"42"}`)
	b.ReportAllocs()
	b.SetParallelism(25) // × GOMAXPROCS goroutines
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := br.Enqueue(ctx, "noop", payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}

// BenchmarkRedisProcess runs b.N no-op jobs, enqueued beforehand, on a
// worker with concurrency 50, until every one is acknowledged.
func BenchmarkRedisProcess(b *testing.B) {
	br, _ := newTestRedis(b, queue.RedisOptions{})
	ctx := context.Background()
	payload := []byte(`{"integration":"42"}`)
	var wg sync.WaitGroup
	for w := range 50 {
		wg.Go(func() {
			for i := w; i < b.N; i += 50 {
				_, err := br.Enqueue(ctx, "noop", payload)
				require.NoError(b, err)
			}
		})
	}
	wg.Wait()
	var done atomic.Int64
	wctx, stop := context.WithCancel(ctx)
	w, err := queue.NewWorker(br, queue.HandlerFunc(func(context.Context, *queue.Job) error {
		if done.Add(1) == int64(b.N) {
			stop()
		}
		return nil
	}), queue.WorkerConfig{Concurrency: 50, Logger: testLogger()})
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	require.NoError(b, w.Run(wctx))
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
	b.StopTimer()
	require.EqualValues(b, b.N, done.Load())
}
