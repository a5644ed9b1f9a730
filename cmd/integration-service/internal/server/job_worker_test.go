package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// TestQueueConcurrency: with QUEUE_CONCURRENCY=3 no more than 3 job
// handlers run at once (and 3 do, given the work), /health/queue-stats
// reports the jobs the test enqueued and processed, and /metrics counts
// each job run by type and outcome.
func TestQueueConcurrency(t *testing.T) {
	t.Parallel()
	// No periodic job during the test (they fire at multiples of their
	// interval since the epoch): they would run on the same queue and
	// count among the stats this test checks.
	app := newTestApp(t, map[string]string{"ADMIN_TOKEN": testAdminToken, "QUEUE_CONCURRENCY": "3", "EVENTS_SWEEP_INTERVAL": "9999h", "SYNC_SWEEP_INTERVAL": "9999h", "HEALTH_CHECK_INTERVAL": "9999h", "WATCH_RENEW_INTERVAL": "9999h", "TOKEN_REFRESH_INTERVAL": "9999h"})

	var running, maxRunning atomic.Int64
	app.HandleJob("test.block", queue.HandlerFunc(func(ctx context.Context, _ *queue.Job) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case <-time.After(50 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}))
	app.HandleJob("test.fail", queue.HandlerFunc(func(context.Context, *queue.Job) error {
		return fmt.Errorf("%w: the test says so", queue.ErrSkipRetry)
	}))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, ln, RoleAll) }()

	const blocks, fails = 15, 2
	var wg sync.WaitGroup
	for i := range blocks + fails {
		typ := "test.block"
		if i >= blocks {
			typ = "test.fail"
		}
		wg.Go(func() {
			_, err := app.Broker().Enqueue(context.Background(), typ, nil, queue.MaxAttempts(1))
			require.NoError(t, err)
		})
	}
	wg.Wait()

	var stats queueStatsView
	require.Eventually(t, func() bool {
		resp, err := operatorGet(base + "/health/queue-stats")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		stats = queueStatsView{}
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&stats) == nil &&
			len(stats.Queues) == 1 && stats.Queues[0].Processed+stats.Queues[0].Failed == blocks+fails
	}, 20*time.Second, 20*time.Millisecond, "queue stats: %+v", stats)
	q := stats.Queues[0]
	require.Equal(t, queue.DefaultQueue, q.Queue)
	require.EqualValues(t, blocks, q.Processed)
	require.EqualValues(t, fails, q.Failed)
	require.EqualValues(t, fails, q.Dead)
	require.Zero(t, q.Pending+q.Active+q.Retry+q.Scheduled)
	require.EqualValues(t, 3, maxRunning.Load(), "handlers running at once")

	runs := scrapeCounters(t, base, "integration_job_runs_total")
	require.Equal(t, map[string]float64{
		"outcome=success,type=test.block": blocks,
		"outcome=dead,type=test.fail":     fails,
	}, runs)

	cancel()
	require.NoError(t, <-served)
}

// scrapeCounters reads /metrics and returns the values of one counter
// family, keyed by its labels as "name=value,name=value" (sorted).
func scrapeCounters(t *testing.T, base, family string) map[string]float64 {
	t.Helper()
	resp, err := operatorGet(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	out := map[string]float64{}
	for _, m := range fams[family].GetMetric() {
		key := ""
		for i, l := range m.GetLabel() {
			if i > 0 {
				key += ","
			}
			key += l.GetName() + "=" + l.GetValue()
		}
		out[key] = m.GetCounter().GetValue()
	}
	return out
}
