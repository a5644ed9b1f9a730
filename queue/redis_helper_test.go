package queue_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/queue"
)

// The crash and periodic tests run worker processes: the test binary,
// re-executed with -test.run=^TestRedisHelperProcess$ and these variables.
const (
	helperModeVar   = "QUEUE_REDIS_HELPER"        // "crash" or "periodic"
	helperPrefixVar = "QUEUE_REDIS_HELPER_PREFIX" // the broker's key prefix
	helperRunsVar   = "QUEUE_REDIS_HELPER_RUNS"   // list the handler records runs on
	helperLeaseVar  = "QUEUE_REDIS_HELPER_LEASE"  // WorkerConfig.Lease
)

// TestRedisHelperProcess is not a test: it is the worker process of the
// crash and periodic tests, and skips when run normally.
func TestRedisHelperProcess(t *testing.T) {
	mode := os.Getenv(helperModeVar)
	if mode == "" {
		t.Skip("the worker process of the crash and periodic tests")
	}
	if err := helperWorker(mode); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// helperWorker runs a worker until SIGTERM. Its handler records each run
// as "<job id> <pid> <start unix ms> <enqueued-at unix ms>" on the runs
// list, then works for a while (crash mode).
func helperWorker(mode string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	opt, err := redis.ParseURL(os.Getenv(testenv.RedisURLVar))
	if err != nil {
		return err
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	b, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: os.Getenv(helperPrefixVar), Logger: testLogger()})
	if err != nil {
		return err
	}
	defer b.Close()
	lease, err := time.ParseDuration(os.Getenv(helperLeaseVar))
	if err != nil {
		return err
	}
	runs := os.Getenv(helperRunsVar)
	pid := os.Getpid()
	record := func(j *queue.Job) error {
		entry := fmt.Sprintf("%s %d %d %d", j.ID, pid, time.Now().UnixMilli(), j.EnqueuedAt.UnixMilli())
		return rdb.RPush(context.WithoutCancel(ctx), runs, entry).Err()
	}
	cfg := queue.WorkerConfig{Lease: lease, Logger: testLogger()}
	var h queue.HandlerFunc
	switch mode {
	case "crash":
		cfg.Concurrency = crashConcurrency
		h = func(ctx context.Context, j *queue.Job) error {
			if err := record(j); err != nil {
				return err
			}
			select {
			case <-time.After(crashJobTime):
			case <-ctx.Done():
			}
			return nil
		}
	case "periodic":
		cfg.Concurrency = 2
		cfg.Periodic = []queue.Periodic{{Name: "tick", Every: time.Second, Type: "tick"}}
		h = func(_ context.Context, j *queue.Job) error { return record(j) }
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	w, err := queue.NewWorker(b, h, cfg)
	if err != nil {
		return err
	}
	if err := rdb.RPush(ctx, runs+":ready", pid).Err(); err != nil {
		return err
	}
	return w.Run(ctx)
}

// helperProc is a running worker process.
type helperProc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan error
	start  time.Time
}

// startHelper starts a worker process in mode on prefix.
func startHelper(t *testing.T, mode, prefix, runs string, lease time.Duration) *helperProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRedisHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		helperModeVar+"="+mode,
		helperPrefixVar+"="+prefix,
		helperRunsVar+"="+runs,
		helperLeaseVar+"="+lease.String(),
	)
	p := &helperProc{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan error, 1), start: time.Now()}
	cmd.Stdout = p.stderr
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting worker process: %v", err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("worker process %d output:\n%s", cmd.Process.Pid, p.stderr.String())
		}
	})
	return p
}

func (p *helperProc) pid() int { return p.cmd.Process.Pid }

// stop asks the process to shut down gracefully and waits for it.
func (p *helperProc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("worker process %d: %v\n%s", p.pid(), err, p.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("worker process %d did not stop", p.pid())
	}
}

// kill kills the process with SIGKILL and returns when.
func (p *helperProc) kill(t *testing.T) time.Time {
	t.Helper()
	at := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill: %v", err)
	}
	err := <-p.done
	p.done <- err
	return at
}

// waitReady waits until n processes have reported ready on runs.
func waitReady(t *testing.T, rdb *redis.Client, runs string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := rdb.LLen(context.Background(), runs+":ready").Result()
		if err != nil {
			t.Fatal(err)
		}
		if got >= int64(n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d worker processes ready after 30s", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// helperRun is one run recorded by a worker process.
type helperRun struct {
	id         string
	pid        int
	start      time.Time
	enqueuedAt time.Time
}

// readRuns reads the runs recorded so far, in order.
func readRuns(t *testing.T, rdb *redis.Client, runs string) []helperRun {
	t.Helper()
	entries, err := rdb.LRange(context.Background(), runs, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]helperRun, 0, len(entries))
	for _, e := range entries {
		f := strings.Fields(e)
		if len(f) != 4 {
			t.Fatalf("bad run entry %q", e)
		}
		pid, _ := strconv.Atoi(f[1])
		start, _ := strconv.ParseInt(f[2], 10, 64)
		enq, _ := strconv.ParseInt(f[3], 10, 64)
		out = append(out, helperRun{id: f[0], pid: pid, start: time.UnixMilli(start), enqueuedAt: time.UnixMilli(enq)})
	}
	return out
}

// lockedBuffer is a bytes.Buffer safe for a process's output goroutines
// and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
