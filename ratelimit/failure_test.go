package ratelimit_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/ratelimit"
)

// freePort returns a TCP port nothing listens on (just now).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// closedClient returns a client of a port nothing listens on, failing
// fast.
func closedClient(t *testing.T) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{
		Addr:        "127.0.0.1:" + strconv.Itoa(freePort(t)),
		MaxRetries:  -1,
		DialTimeout: time.Second,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// logBuffer captures what a slog.Logger writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

const (
	outageLog   = "ratelimit: redis unavailable"
	recoveryLog = "ratelimit: redis available again"
)

// TestRedisDownFailsOpenForAllowClosedForWait checks the default
// failure mode against a port nothing listens on.
func TestRedisDownFailsOpenForAllowClosedForWait(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	lim, err := ratelimit.NewRedis(closedClient(t), ratelimit.RedisOptions{Logger: logs.logger(), ProbeInterval: time.Hour})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lim.Close() })
	ctx := t.Context()
	l := ratelimit.PerHour(3)
	for i := range 50 {
		res, err := lim.Allow(ctx, "k", l)
		require.NoError(t, err, "fail-open")
		require.True(t, res.Degraded)
		require.Equal(t, i < 3, res.Allowed, "the local fallback enforces the limit (request %d)", i+1)
	}
	err = lim.Wait(ctx, "other", 1, l)
	require.ErrorIs(t, err, ratelimit.ErrUnavailable, "Wait fails closed")
	require.NoError(t, ctx.Err())

	require.Equal(t, 1, logs.count(outageLog), "the outage is logged once:\n%s", logs.buf.String())
	st := lim.Stats()
	require.Equal(t, uint64(1), st.Outages)
	require.Equal(t, uint64(51), st.Degraded)
	require.Equal(t, uint64(1), st.RedisErrors, "one round trip tried; the rest skipped Redis (the probe waits an hour)")
	require.Equal(t, uint64(3), st.Allowed)
	require.Equal(t, uint64(48), st.Denied)
	require.True(t, st.Unavailable)
}

func TestRedisDownFailClosed(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	lim, err := ratelimit.NewRedis(closedClient(t), ratelimit.RedisOptions{
		FailureMode:   ratelimit.FailClosed,
		Logger:        logs.logger(),
		ProbeInterval: 10 * time.Millisecond,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lim.Close() })
	l := ratelimit.PerHour(3)
	for range 20 {
		res, err := lim.Allow(t.Context(), "k", l)
		require.ErrorIs(t, err, ratelimit.ErrUnavailable)
		require.ErrorContains(t, err, "connect")
		require.False(t, res.Allowed)
		require.True(t, res.Degraded)
		require.Positive(t, res.RetryAfter)
		require.Equal(t, l, res.Limit)
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, 1, logs.count(outageLog), "the outage is logged once, however many probes fail")
	st := lim.Stats()
	require.Equal(t, uint64(1), st.Outages)
	require.Equal(t, uint64(20), st.Denied)
	require.Zero(t, st.Allowed)
}

// redisServer is a redis-server of the test's own, on its own port, that
// the test can stop and start (the shared server is never touched).
type redisServer struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

func startRedisServer(t *testing.T, port int) *redisServer {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if testenv.Required() {
			t.Fatalf("redis-server not found, and %s=1 forbids skipping", testenv.RequireVar)
		}
		t.Skip("needs the redis-server binary")
	}
	s := &redisServer{t: t, port: port}
	s.cmd = exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	require.NoError(t, s.cmd.Start())
	t.Cleanup(s.stop)
	rdb := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1})
	defer rdb.Close()
	for i := 0; rdb.Ping(t.Context()).Err() != nil; i++ {
		require.Less(t, i, 500, "redis-server did not start on port %d", port)
		time.Sleep(10 * time.Millisecond)
	}
	return s
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *redisServer) stop() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// TestRedisOutageAndRecovery runs a limiter against a server that goes
// away and comes back empty (without the script: NOSCRIPT is handled).
func TestRedisOutageAndRecovery(t *testing.T) {
	t.Parallel()
	srv := startRedisServer(t, freePort(t))
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr(), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	var logs logBuffer
	lim, err := ratelimit.NewRedis(rdb, ratelimit.RedisOptions{
		FailureMode:   ratelimit.FailOpen,
		Logger:        logs.logger(),
		ProbeInterval: 20 * time.Millisecond,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lim.Close() })
	ctx := t.Context()
	l := ratelimit.PerHour(100)

	res, err := lim.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.False(t, res.Degraded)
	require.Equal(t, 99, res.Remaining)

	srv.stop()
	for range 100 {
		res, err = lim.Allow(ctx, "k", l)
		require.NoError(t, err)
		require.True(t, res.Degraded)
		require.True(t, res.Allowed)
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, 1, logs.count(outageLog))
	require.Zero(t, logs.count(recoveryLog))
	require.True(t, lim.Stats().Unavailable)

	srv = startRedisServer(t, srv.port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err = lim.Allow(ctx, "k", l)
		require.NoError(t, err)
		if !res.Degraded {
			break
		}
		require.True(t, time.Now().Before(deadline), "the limiter never used Redis again")
		time.Sleep(5 * time.Millisecond)
	}
	require.Equal(t, 99, res.Remaining, "the new server started empty, and ran the script it did not have")
	for range 10 {
		res, err = lim.Allow(ctx, "k", l)
		require.NoError(t, err)
		require.False(t, res.Degraded)
	}
	require.Equal(t, 1, logs.count(outageLog))
	require.Equal(t, 1, logs.count(recoveryLog))
	st := lim.Stats()
	require.Equal(t, uint64(1), st.Outages)
	require.False(t, st.Unavailable)
	srv.stop()
}

// TestRedisScriptFlushed checks that a decision survives SCRIPT FLUSH
// (NOSCRIPT), on the test's own server.
func TestRedisScriptFlushed(t *testing.T) {
	t.Parallel()
	srv := startRedisServer(t, freePort(t))
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	lim, err := ratelimit.NewRedis(rdb, ratelimit.RedisOptions{FailureMode: ratelimit.FailClosed})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lim.Close() })
	ctx := t.Context()
	for i := range 3 {
		require.NoError(t, rdb.ScriptFlush(ctx).Err())
		res, err := lim.Allow(ctx, "k", ratelimit.PerHour(10))
		require.NoError(t, err)
		require.True(t, res.Allowed)
		require.Equal(t, 9-i, res.Remaining)
	}
	require.Zero(t, lim.Stats().RedisErrors)
}

// TestClosedLimiter checks that a closed limiter refuses work.
func TestClosedLimiter(t *testing.T) {
	t.Parallel()
	lim, err := ratelimit.NewRedis(closedClient(t), ratelimit.RedisOptions{})
	require.NoError(t, err)
	require.NoError(t, lim.Close())
	require.NoError(t, lim.Close(), "Close is idempotent")
	_, err = lim.Allow(context.Background(), "k", ratelimit.PerHour(1))
	require.ErrorIs(t, err, ratelimit.ErrClosed)
}
