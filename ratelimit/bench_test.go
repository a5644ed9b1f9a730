package ratelimit_test

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
)

// benchKeys is the number of keys the many-keys benchmarks spread over.
const benchKeys = 1000

func keyNames(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	return keys
}

// runDecisions runs decide from 50 goroutines (as the anchors) and
// reports decisions per second.
func runDecisions(b *testing.B, decide func(i int) error) {
	b.Helper()
	b.SetParallelism(max(1, 50/runtime.GOMAXPROCS(0)))
	var next atomic.Int64
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(7919))
		for pb.Next() {
			if err := decide(i); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "decisions/s")
}

func BenchmarkMemoryAllow(b *testing.B) {
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	require.NoError(b, err)
	keys := keyNames(benchKeys)
	l := ratelimit.PerSecond(1000)
	b.ReportAllocs()
	runDecisions(b, func(i int) error {
		_, err := lim.Allow(b.Context(), keys[i%benchKeys], l)
		return err
	})
}

func BenchmarkRedisAllow(b *testing.B) {
	rdb := newRedisClient(b)
	lim := newRedisLimiter(b, rdb, ratelimit.RedisOptions{})
	keys := keyNames(benchKeys)
	l := ratelimit.PerSecond(1000)
	b.ReportAllocs()
	runDecisions(b, func(i int) error {
		_, err := lim.Allow(b.Context(), keys[i%benchKeys], l)
		return err
	})
}

func BenchmarkRedisAllowThreeLimits(b *testing.B) {
	rdb := newRedisClient(b)
	lim := newRedisLimiter(b, rdb, ratelimit.RedisOptions{})
	keys := keyNames(benchKeys)
	limits := []ratelimit.Limit{ratelimit.PerSecond(100).WithBurst(200), ratelimit.PerMinute(6000), ratelimit.PerDay(1_000_000)}
	b.ReportAllocs()
	runDecisions(b, func(i int) error {
		_, err := lim.Allow(b.Context(), keys[i%benchKeys], limits...)
		return err
	})
}

func BenchmarkRedisHotDeniedKey(b *testing.B) {
	rdb := newRedisClient(b)
	lim := newRedisLimiter(b, rdb, ratelimit.RedisOptions{})
	l := ratelimit.PerMinute(1)
	b.ReportAllocs()
	runDecisions(b, func(int) error {
		_, err := lim.Allow(b.Context(), "hot", l)
		return err
	})
}
