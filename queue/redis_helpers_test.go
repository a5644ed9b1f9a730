package queue_test

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/queue"
)

// redisTestClient connects to TEST_REDIS_URL (skipping without it).
func redisTestClient(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// redisTestPrefix returns a fresh key prefix and deletes its keys when t
// ends.
func redisTestPrefix(t testing.TB, rdb redis.UniversalClient) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = crand.Read(b)
	prefix := "qtest-" + hex.EncodeToString(b)
	t.Cleanup(func() { deleteRedisKeys(t, rdb, prefix) })
	return prefix
}

// deleteRedisKeys deletes every key of prefix.
func deleteRedisKeys(t testing.TB, rdb redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	keys := redisKeysOf(ctx, t, rdb, prefix)
	if len(keys) > 0 {
		if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
			t.Errorf("deleting test keys: %v", err)
		}
	}
}

// redisKeysOf lists the keys of prefix.
func redisKeysOf(ctx context.Context, t testing.TB, rdb redis.UniversalClient, prefix string) []string {
	var keys []string
	iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("scanning test keys: %v", err)
	}
	return keys
}

// testLogger discards logs unless QUEUE_TEST_LOG=1.
func testLogger() *slog.Logger {
	if os.Getenv("QUEUE_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// newTestRedis returns a broker on the test Redis under a fresh prefix,
// closed and cleaned up when t ends.
func newTestRedis(t testing.TB, opts queue.RedisOptions) (*queue.Redis, *redis.Client) {
	t.Helper()
	rdb := redisTestClient(t)
	if opts.Prefix == "" {
		opts.Prefix = redisTestPrefix(t, rdb)
	}
	if opts.Logger == nil {
		opts.Logger = testLogger()
	}
	b, err := queue.NewRedis(rdb, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	return b, rdb
}

// runWorker runs a worker on b until t ends, and checks that it shuts
// down cleanly.
func runWorker(t testing.TB, b queue.Broker, h queue.Handler, cfg queue.WorkerConfig) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	w, err := queue.NewWorker(b, h, cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Error("worker did not stop")
		}
	})
}

// runLog records handler runs by job id.
type runLog struct {
	mu   sync.Mutex
	runs map[string]int
	jobs []queue.Job
	ch   chan queue.Job
}

func newRunLog() *runLog {
	return &runLog{runs: map[string]int{}, ch: make(chan queue.Job, 100000)}
}

func (l *runLog) record(j *queue.Job) {
	l.mu.Lock()
	l.runs[j.ID]++
	l.jobs = append(l.jobs, *j)
	l.mu.Unlock()
	l.ch <- *j
}

func (l *runLog) count(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.runs[id]
}

func (l *runLog) total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.jobs)
}

// next waits for the next run.
func (l *runLog) next(t testing.TB, within time.Duration) queue.Job {
	t.Helper()
	select {
	case j := <-l.ch:
		return j
	case <-time.After(within):
		t.Fatalf("no job ran within %s", within)
		return queue.Job{}
	}
}

// handler records runs and returns what f returns (nil if f is nil).
func (l *runLog) handler(f func(ctx context.Context, j *queue.Job) error) queue.Handler {
	return queue.HandlerFunc(func(ctx context.Context, j *queue.Job) error {
		l.record(j)
		if f == nil {
			return nil
		}
		return f(ctx, j)
	})
}

// queueStats returns the stats of one queue (zero if unknown).
func queueStats(t testing.TB, b queue.Broker, name string) queue.Stats {
	t.Helper()
	stats, err := b.Stats(context.Background())
	require.NoError(t, err)
	for _, s := range stats {
		if s.Queue == name {
			return s
		}
	}
	return queue.Stats{Queue: name}
}
