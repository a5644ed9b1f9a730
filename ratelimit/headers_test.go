package ratelimit_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
)

func TestSetHeaders(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		limit  ratelimit.Limit
		policy string
	}{
		{ratelimit.PerSecond(10), `"1s";q=10;w=1`},
		{ratelimit.PerMinute(300).WithBurst(50), `"1m";q=300;w=60`},
		{ratelimit.PerDay(5000), `"1d";q=5000;w=86400`},
		{ratelimit.Limit{Rate: 5, Period: 500 * time.Millisecond}, `"500ms";q=10;w=1`},
		{ratelimit.Limit{Name: "odd", Rate: 3, Period: 1500 * time.Millisecond}, `"odd";q=4;w=2`},
	} {
		require.Equal(t, c.policy, policyHeader(c.limit))
	}

	h := http.Header{}
	minute := ratelimit.PerMinute(100)
	ratelimit.SetHeaders(h, []ratelimit.Limit{ratelimit.PerSecond(10), minute},
		ratelimit.Result{Allowed: true, Remaining: 7, ResetAfter: 1500 * time.Millisecond, Limit: minute})
	require.Equal(t, `"1s";q=10;w=1, "1m";q=100;w=60`, h.Get("RateLimit-Policy"))
	require.Equal(t, `"1m";r=7;t=2`, h.Get("RateLimit"))
}

// The header names are keyed as net/http keys them, so that Get and
// Set find them.
func TestSetHeadersCanonicalKeys(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	l := ratelimit.PerSecond(10)
	ratelimit.SetHeaders(h, []ratelimit.Limit{l}, ratelimit.Result{Limit: l, Remaining: 3, ResetAfter: 700 * time.Millisecond})
	for k := range h {
		require.Equal(t, http.CanonicalHeaderKey(k), k)
	}
	require.Equal(t, `"1s";q=10;w=1`, h.Get("RateLimit-Policy"))
	require.Equal(t, `"1s";r=3;t=1`, h.Get("RateLimit"))
	h.Add("RateLimit", "x")
	require.Equal(t, []string{`"1s";r=3;t=1`, "x"}, h.Values("RateLimit"))
	require.Equal(t, []string{`"1s";q=10;w=1`}, h.Values("RateLimit-Policy"), "adding to one leaves the other alone")
}
