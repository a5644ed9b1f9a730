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

	cheaper := q.WithCost("messages.send", 50)
	require.Equal(t, 50, cheaper.Cost("messages.send"))
	require.Equal(t, 100, q.Cost("messages.send"), "WithCost leaves the original alone")

	clock := ratelimittest.NewFakeClock(time.Unix(0, 0))
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{Clock: clock})
	require.NoError(t, err)
	// 60 sends spend the minute's 6,000 units: the 61st waits.
	for range 60 {
		res, err := lim.AllowN(t.Context(), "user@example.com", q.Cost("messages.send"), q.Limit)
		require.NoError(t, err)
		require.True(t, res.Allowed)
	}
	res, err := lim.AllowN(t.Context(), "user@example.com", q.Cost("history.list"), q.Limit)
	require.NoError(t, err)
	require.False(t, res.Allowed)
	require.Equal(t, 20*time.Millisecond, res.RetryAfter, "2 units at 100 units/s")

	done := make(chan error, 1)
	go func() { done <- q.Wait(t.Context(), lim, "user@example.com", "history.list") }()
	for i := 0; ; i++ {
		require.Less(t, i, 100)
		select {
		case err := <-done:
			require.NoError(t, err)
			return
		case <-time.After(5 * time.Millisecond):
			clock.Advance(10 * time.Millisecond)
		}
	}
}

func TestGraphQuota(t *testing.T) {
	t.Parallel()
	q := ratelimit.GraphMailboxQuota()
	require.NoError(t, q.Limit.Validate())
	require.Equal(t, 1, q.Cost("messages.delta"))
	require.Equal(t, 4, ratelimit.GraphMailboxConcurrency)
	require.Equal(t, `"graph-mailbox";q=10000;w=600`, policyHeader(q.Limit))
}

// policyHeader is the RateLimit-Policy header of one limit.
func policyHeader(l ratelimit.Limit) string {
	h := make(map[string][]string)
	ratelimit.SetHeaders(h, []ratelimit.Limit{l}, ratelimit.Result{Limit: l})
	return h["Ratelimit-Policy"][0]
}
