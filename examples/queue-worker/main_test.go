package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/queue"
)

var (
	enqueuedLine = regexp.MustCompile(`(?m)^enqueued job (\d+) as (\S+)$`)
	handledLine  = regexp.MustCompile(`(?m)^handled job (\d+) \(hello, customer (\d+)\) as (\S+), attempt (\d+)$`)
)

// requireEachHandledOnce checks the output of a run of n jobs: each job
// was enqueued once and handled once, on its first attempt, under the id
// it was enqueued with.
func requireEachHandledOnce(t *testing.T, out string, n int) {
	t.Helper()
	ids := map[string]string{} // job number -> id
	for _, m := range enqueuedLine.FindAllStringSubmatch(out, -1) {
		require.NotContains(t, ids, m[1], "job %s enqueued twice", m[1])
		ids[m[1]] = m[2]
	}
	require.Len(t, ids, n, out)

	handled := map[string]bool{}
	for _, m := range handledLine.FindAllStringSubmatch(out, -1) {
		require.False(t, handled[m[1]], "job %s handled twice:\n%s", m[1], out)
		handled[m[1]] = true
		require.Equal(t, m[1], m[2], "the payload decoded is the job's")
		require.Equal(t, ids[m[1]], m[3], "job %s handled under the id it was enqueued with", m[1])
		require.Equal(t, "1", m[4], "job %s on its first attempt", m[1])
	}
	for i := 1; i <= n; i++ {
		require.True(t, handled[strconv.Itoa(i)], "job %d never handled:\n%s", i, out)
	}
	require.Contains(t, out, "\n"+strconv.Itoa(n)+" jobs handled\n")
}

func TestRunInMemory(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	const n = 25
	require.NoError(t, run(ctx, config{Jobs: n, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}, &out))
	requireEachHandledOnce(t, out.String(), n)
}

// TestRunOnRedis runs the example on a real Redis under a key prefix of
// the test's own, deleted when it ends, and checks with a broker of its own
// on that prefix that the queue is left empty with every job processed.
func TestRunOnRedis(t *testing.T) {
	t.Parallel()
	url, prefix := redistest.Prefix(t, "example-queue-worker")
	opt, err := redis.ParseURL(url)
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	const n = 10
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	require.NoError(t, run(ctx, config{Jobs: n, RedisURL: url, Prefix: prefix, Logger: logger}, &out))
	requireEachHandledOnce(t, out.String(), n)

	// The jobs were stored under the prefix, and all acknowledged.
	keys, err := rdb.Keys(ctx, prefix+":*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys, "the broker wrote under its prefix")
	broker, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: prefix, Logger: logger})
	require.NoError(t, err)
	defer func() { _ = broker.Close() }()
	stats, err := broker.Stats(ctx)
	require.NoError(t, err)
	require.Len(t, stats, 1)
	require.Equal(t, queue.DefaultQueue, stats[0].Queue)
	require.Equal(t, int64(n), stats[0].Processed)
	require.Zero(t, stats[0].Pending+stats[0].Active+stats[0].Retry+stats[0].Dead+stats[0].Failed, "%+v", stats[0])
}

func TestRunRefusesNoJobs(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.ErrorContains(t, run(t.Context(), config{Jobs: 0}, &out), "-jobs")
	require.Empty(t, out.String())
}
