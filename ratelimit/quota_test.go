package ratelimit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/ratelimit/ratelimittest"
)

func TestGmailQuota(t *testing.T) {
	t.Parallel()
	q := ratelimit.GmailUserQuota()
	require.NoError(t, q.Limit.Validate())
	require.Equal(t, 5, q.Cost("messages.get"))
	require.Equal(t, 2, q.Cost("history.list"))
	require.Equal(t, 100, q.Cost("messages.send"))
	require.Equal(t, 5, q.Cost("drafts.unknown"))
	// The actions' calls (issue 19), at Gmail's documented costs.
	require.Equal(t, 50, q.Cost("messages.batchModify"))
	require.Equal(t, 1, q.Cost("labels.list"))
	require.Equal(t, 1, q.Cost("labels.get"))
	require.Equal(t, 5, q.Cost("messages.trash"))

	cheaper := q.WithCost("messages.send", 50)
	require.Equal(t, 50, cheaper.Cost("messages.send"))
	require.Equal(t, 100, q.Cost("messages.send"), "WithCost leaves the original alone")

	requireWithinProviderQuota(t, q, "messages.get", 6000, time.Minute)
}

// requireWithinProviderQuota saturates q's limit for 5 windows with calls
// of op, on a fake clock in 10 ms steps, and checks that no sliding window
// of the provider's length admitted more than the provider allows, and
// that saturation got at least 80% of it.
func requireWithinProviderQuota(t *testing.T, q ratelimit.Quota, op string, quota int, window time.Duration) {
	t.Helper()
	start := time.Unix(0, 0)
	clock := ratelimittest.NewFakeClock(start)
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{Clock: clock})
	require.NoError(t, err)
	const step = 10 * time.Millisecond
	steps := int(5 * window / step)
	admitted := make([]int, steps) // units admitted in each step
	for i := range steps {
		for {
			res, err := lim.AllowN(t.Context(), "mailbox", q.Cost(op), q.Limit)
			require.NoError(t, err)
			if !res.Allowed {
				break
			}
			admitted[i] += q.Cost(op)
		}
		clock.Advance(step)
	}
	per := int(window / step)
	sum := 0
	for i := range steps {
		sum += admitted[i]
		if i >= per {
			sum -= admitted[i-per]
		}
		require.LessOrEqual(t, sum, quota, "window ending at step %d admitted %d units", i, sum)
	}
	require.GreaterOrEqual(t, sum, quota*8/10, "a saturated window gets most of the quota")
}

func TestGraphQuota(t *testing.T) {
	t.Parallel()
	q := ratelimit.GraphMailboxQuota()
	require.NoError(t, q.Limit.Validate())
	require.Equal(t, 1, q.Cost("messages.delta"))
	require.Equal(t, 4, ratelimit.GraphMailboxConcurrency)
	require.Equal(t, `"graph-mailbox";q=9000;w=600`, policyHeader(q.Limit))
	requireWithinProviderQuota(t, q, "messages.delta", 10_000, 10*time.Minute)
}

// policyHeader is the RateLimit-Policy header of one limit.
func policyHeader(l ratelimit.Limit) string {
	h := make(map[string][]string)
	ratelimit.SetHeaders(h, []ratelimit.Limit{l}, ratelimit.Result{Limit: l})
	return h["Ratelimit-Policy"][0]
}
