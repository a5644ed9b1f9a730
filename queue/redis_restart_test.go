package queue_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/queue"
)

// ownRedis is a redis-server this test started, on its own port and
// directory, with the append-only file on.
type ownRedis struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
	done chan error
}

// startOwnRedis starts a redis-server for t alone (never the shared one),
// stopped when t ends.
func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	testenv.RedisURL(t) // the same switch as every Redis test
	if _, err := exec.LookPath("redis-server"); err != nil {
		if testenv.Required() {
			t.Fatalf("redis-server not found: %v", err)
		}
		t.Skip("redis-server not found")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	r := &ownRedis{t: t, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *ownRedis) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

func (r *ownRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server",
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--appendonly", "yes", "--appendfsync", "everysec",
		"--save", "", "--daemonize", "no", "--logfile", "")
	out := &lockedBuffer{}
	r.cmd.Stdout, r.cmd.Stderr = out, out
	require.NoError(r.t, r.cmd.Start())
	r.done = make(chan error, 1)
	go func() { r.done <- r.cmd.Wait() }()
	c := redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on %s did not start:\n%s", r.addr(), out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop shuts the server down as a restart would (SIGTERM: it writes the
// append-only file and exits).
func (r *ownRedis) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	r.cmd = nil
}

// TestRedisUnavailable stops Redis under a working worker and starts it
// again: Enqueue fails within its context while Redis is down, the worker
// backs off and resumes, and no job is lost.
func TestRedisUnavailable(t *testing.T) {
	t.Parallel()
	srv := startOwnRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr(), DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	b, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: "restart", Logger: testLogger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	ctx := context.Background()

	log := newRunLog()
	runWorker(t, b, log.handler(func(context.Context, *queue.Job) error {
		time.Sleep(5 * time.Millisecond)
		return nil
	}), queue.WorkerConfig{Concurrency: 4, Lease: 2 * time.Second})
	const before, after = 400, 100
	ids := map[string]bool{}
	for i := range before {
		res, err := b.Enqueue(ctx, "job", fmt.Appendf(nil, "%d", i))
		require.NoError(t, err)
		ids[res.ID] = true
	}
	require.Eventually(t, func() bool { return log.total() >= 50 }, 10*time.Second, 5*time.Millisecond)

	srv.stop()
	ran := log.total()
	require.Less(t, ran, before, "Redis stopped after the work was done: the test proves nothing")
	const limit = 500 * time.Millisecond
	cctx, cancel := context.WithTimeout(ctx, limit)
	start := time.Now()
	_, err = b.Enqueue(cctx, "job", nil)
	cancel()
	require.Error(t, err, "Enqueue with Redis down")
	require.Less(t, time.Since(start), limit+3*time.Second, "Enqueue is bounded by its context")
	time.Sleep(1500 * time.Millisecond) // the worker fails, backs off, retries
	srv.start()

	for i := range after {
		res, err := b.Enqueue(ctx, "job", fmt.Appendf(nil, "after %d", i))
		require.NoError(t, err)
		ids[res.ID] = true
	}
	require.Eventually(t, func() bool {
		for id := range ids {
			if log.count(id) == 0 {
				return false
			}
		}
		return true
	}, 30*time.Second, 20*time.Millisecond, "every job runs after the restart")
	var st queue.Stats
	require.Eventually(t, func() bool {
		st = queueStats(t, b, queue.DefaultQueue)
		return st.Processed == before+after && st.Pending == 0 && st.Active == 0
	}, 10*time.Second, 20*time.Millisecond, "every job acknowledged once: %+v", &st)
	t.Logf("%d jobs ran before the stop, %d runs in all", ran, log.total())
}
