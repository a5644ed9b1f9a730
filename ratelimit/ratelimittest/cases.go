package ratelimittest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
)

// limiterCases are the subtests of Run. Limits with long periods keep
// counts exact in real time too; the cases about time bound what they
// check by the time that passed.
var limiterCases = []limiterCase{
	{"BurstThenDeny", testBurstThenDeny},
	{"BurstBelowRate", testBurstBelowRate},
	{"Refill", testRefill},
	{"Cost", testCost},
	{"CostExceedsBurst", testCostExceedsBurst},
	{"ZeroCostOnlyReports", testZeroCost},
	{"AllOrNothing", testAllOrNothing},
	{"AllowedDecidedByClosestLimit", testAllowedDecider},
	{"DeniedDecidedByLastToAdmit", testDeniedDecider},
	{"KeysAndNamesAreIndependent", testIndependent},
	{"ConcurrentExact", testConcurrent},
	{"AnyKeyBytes", testKeyBytes},
	{"Reset", testReset},
	{"InvalidLimits", testInvalid},
	{"DoneContext", testDoneContext},
	{"WaitAdmitsAtOnce", testWaitAtOnce},
	{"WaitSleepsUntilAdmitted", testWaitSleeps},
	{"WaitPastDeadlineFailsAtOnce", testWaitPastDeadline},
	{"WaitCanceled", testWaitCanceled},
}

// within requires want-slack <= got <= want: a duration computed at a
// moment up to slack after the one want is for.
func within(t *testing.T, got, want, slack time.Duration, what string) {
	t.Helper()
	require.LessOrEqual(t, got, want, what)
	require.GreaterOrEqual(t, got, want-slack, what)
}

func testBurstThenDeny(t *testing.T, h Harness) {
	ctx := t.Context()
	l := ratelimit.PerHour(5) // one unit every 12 minutes
	start := h.Now()
	for i := range 5 {
		res, err := h.Limiter.Allow(ctx, "k", l)
		require.NoError(t, err)
		require.True(t, res.Allowed, "request %d of a burst of 5", i+1)
		require.Equal(t, 4-i, res.Remaining)
		require.Zero(t, res.RetryAfter)
		within(t, res.ResetAfter, time.Duration(i+1)*12*time.Minute, since(h, start), "ResetAfter")
		require.Equal(t, l, res.Limit)
		require.False(t, res.Degraded)
	}
	res, err := h.Limiter.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.False(t, res.Allowed, "the 6th request of a burst of 5")
	require.Zero(t, res.Remaining)
	within(t, res.RetryAfter, 12*time.Minute, since(h, start), "RetryAfter")
	within(t, res.ResetAfter, time.Hour, since(h, start), "ResetAfter")
	require.Equal(t, l, res.Limit)
}

func testBurstBelowRate(t *testing.T, h Harness) {
	ctx := t.Context()
	l := ratelimit.Limit{Name: "b", Rate: 60, Period: time.Hour, Burst: 3} // one a minute, 3 at once
	start := h.Now()
	for range 3 {
		res, err := h.Limiter.Allow(ctx, "k", l)
		require.NoError(t, err)
		require.True(t, res.Allowed)
	}
	res, err := h.Limiter.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.False(t, res.Allowed)
	within(t, res.RetryAfter, time.Minute, since(h, start), "RetryAfter")
	within(t, res.ResetAfter, 3*time.Minute, since(h, start), "ResetAfter")
}

// testRefill checks both GCRA bounds after time passes: at least
// burst + floor(d/T) admitted after d, and never more than burst +
// elapsed/T over the whole elapsed time.
func testRefill(t *testing.T, h Harness) {
	ctx := t.Context()
	const interval = 100 * time.Millisecond
	l := ratelimit.Limit{Name: "r", Rate: 10, Period: time.Second, Burst: 2}
	admit := func() int {
		n := 0
		for {
			res, err := h.Limiter.Allow(ctx, "k", l)
			require.NoError(t, err)
			if !res.Allowed {
				require.Positive(t, res.RetryAfter)
				require.LessOrEqual(t, res.RetryAfter, interval)
				return n
			}
			n++
			require.Less(t, n, 1000, "a limit of 10/s keeps admitting")
		}
	}
	start := h.Now()
	first := admit()
	require.GreaterOrEqual(t, first, 2, "a full burst")
	h.Advance(250 * time.Millisecond)
	total := first + admit()
	elapsed := since(h, start)
	require.GreaterOrEqual(t, total, 2+2, "burst + floor(250ms/100ms)")
	require.LessOrEqual(t, total, 2+int(elapsed/interval), "burst + elapsed/T, elapsed %v", elapsed)
}

func testCost(t *testing.T, h Harness) {
	ctx := t.Context()
	l := ratelimit.PerHour(10) // one unit every 6 minutes
	start := h.Now()
	res, err := h.Limiter.AllowN(ctx, "k", 4, l)
	require.NoError(t, err)
	require.True(t, res.Allowed)
	require.Equal(t, 6, res.Remaining)

	res, err = h.Limiter.AllowN(ctx, "k", 7, l)
	require.NoError(t, err)
	require.False(t, res.Allowed, "7 units with 6 left")
	require.Equal(t, 6, res.Remaining, "a denied request is not charged")
	within(t, res.RetryAfter, 6*time.Minute, since(h, start), "RetryAfter: one more unit")

	res, err = h.Limiter.AllowN(ctx, "k", 6, l)
	require.NoError(t, err)
	require.True(t, res.Allowed, "6 units with 6 left")
	require.Zero(t, res.Remaining)

	res, err = h.Limiter.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.False(t, res.Allowed)
}

func testCostExceedsBurst(t *testing.T, h Harness) {
	ctx := t.Context()
	_, err := h.Limiter.AllowN(ctx, "k", 11, ratelimit.PerHour(10))
	require.ErrorIs(t, err, ratelimit.ErrCostExceedsBurst)
	err = h.Limiter.Wait(ctx, "k", 11, ratelimit.PerHour(10))
	require.ErrorIs(t, err, ratelimit.ErrCostExceedsBurst)
	res, err := h.Limiter.AllowN(ctx, "k", 10, ratelimit.PerHour(10))
	require.NoError(t, err)
	require.True(t, res.Allowed, "a cost equal to the burst is admitted on a full limit")
}

func testZeroCost(t *testing.T, h Harness) {
	ctx := t.Context()
	l := ratelimit.PerHour(10)
	res, err := h.Limiter.AllowN(ctx, "k", 3, l)
	require.NoError(t, err)
	require.True(t, res.Allowed)
	for range 2 {
		res, err = h.Limiter.AllowN(ctx, "k", 0, l)
		require.NoError(t, err)
		require.True(t, res.Allowed)
		require.Equal(t, 7, res.Remaining, "a cost of 0 charges nothing")
	}
	res, err = h.Limiter.AllowN(ctx, "k", 7, l)
	require.NoError(t, err)
	require.True(t, res.Allowed)
	res, err = h.Limiter.AllowN(ctx, "k", 0, l)
	require.NoError(t, err)
	require.True(t, res.Allowed, "a cost of 0 is admitted on an empty limit")
	require.Zero(t, res.Remaining)
}

// testAllOrNothing checks that a denied decision charges none of its
// limits, whichever position the denying limit has.
func testAllOrNothing(t *testing.T, h Harness) {
	ctx := t.Context()
	wide := ratelimit.PerHour(10).Named("wide")
	narrow := ratelimit.PerHour(3).Named("narrow")
	for _, order := range [][]ratelimit.Limit{{wide, narrow}, {narrow, wide}} {
		key := "k-" + order[0].Name
		for i := range 10 {
			res, err := h.Limiter.Allow(ctx, key, order...)
			require.NoError(t, err)
			require.Equal(t, i < 3, res.Allowed, "request %d", i+1)
			if !res.Allowed {
				require.Equal(t, "narrow", res.Limit.Name)
			}
		}
		res, err := h.Limiter.AllowN(ctx, key, 0, wide)
		require.NoError(t, err)
		require.Equal(t, 7, res.Remaining, "the wide limit was charged for the 3 admitted requests only (order %s first)", order[0].Name)
		res, err = h.Limiter.AllowN(ctx, key, 0, narrow)
		require.NoError(t, err)
		require.Zero(t, res.Remaining)
	}
}

func testAllowedDecider(t *testing.T, h Harness) {
	ctx := t.Context()
	hour := ratelimit.PerHour(10).Named("hour")
	minute := ratelimit.PerMinute(100).Named("minute")
	res, err := h.Limiter.Allow(ctx, "k", minute, hour)
	require.NoError(t, err)
	require.True(t, res.Allowed)
	require.Equal(t, "hour", res.Limit.Name, "the limit with the least remaining")
	require.Equal(t, 9, res.Remaining)
}

func testDeniedDecider(t *testing.T, h Harness) {
	ctx := t.Context()
	hour := ratelimit.PerHour(2).Named("hour")       // 30 minutes a unit
	minute := ratelimit.PerMinute(2).Named("minute") // 30 seconds a unit
	start := h.Now()
	for range 2 {
		res, err := h.Limiter.Allow(ctx, "k", minute, hour)
		require.NoError(t, err)
		require.True(t, res.Allowed)
	}
	res, err := h.Limiter.Allow(ctx, "k", minute, hour)
	require.NoError(t, err)
	require.False(t, res.Allowed)
	require.Equal(t, "hour", res.Limit.Name, "both deny; the hour admits last")
	within(t, res.RetryAfter, 30*time.Minute, since(h, start), "RetryAfter")
}

func testIndependent(t *testing.T, h Harness) {
	ctx := t.Context()
	a := ratelimit.PerHour(2).Named("a")
	b := ratelimit.PerHour(2).Named("b")
	for range 2 {
		res, err := h.Limiter.Allow(ctx, "k1", a)
		require.NoError(t, err)
		require.True(t, res.Allowed)
	}
	res, err := h.Limiter.Allow(ctx, "k1", a)
	require.NoError(t, err)
	require.False(t, res.Allowed)

	res, err = h.Limiter.Allow(ctx, "k2", a)
	require.NoError(t, err)
	require.True(t, res.Allowed, "another key")
	require.Equal(t, 1, res.Remaining)
	res, err = h.Limiter.Allow(ctx, "k1", b)
	require.NoError(t, err)
	require.True(t, res.Allowed, "another limit name on the same key")
	require.Equal(t, 1, res.Remaining)
}

func testConcurrent(t *testing.T, h Harness) {
	ctx := t.Context()
	l := ratelimit.PerHour(50)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			for range 10 {
				res, err := h.Limiter.Allow(ctx, "k", l)
				if err != nil {
					errs <- err
					return
				}
				if res.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int64(50), allowed.Load(), "200 concurrent requests on a burst of 50")
}

func testReset(t *testing.T, h Harness) {
	ctx := t.Context()
	l := ratelimit.PerHour(2)
	for range 3 {
		_, err := h.Limiter.Allow(ctx, "k", l)
		require.NoError(t, err)
	}
	require.NoError(t, h.Limiter.Reset(ctx, "k", l))
	res, err := h.Limiter.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.True(t, res.Allowed, "after Reset")
	require.Equal(t, 1, res.Remaining)
}

func testInvalid(t *testing.T, h Harness) {
	ctx := t.Context()
	for _, c := range []struct {
		name   string
		n      int
		limits []ratelimit.Limit
		field  string
	}{
		{"no limits", 1, nil, "no limits"},
		{"zero rate", 1, []ratelimit.Limit{{Period: time.Second}}, "Rate"},
		{"zero period", 1, []ratelimit.Limit{{Name: "x", Rate: 1}}, "Period"},
		{"negative burst", 1, []ratelimit.Limit{ratelimit.PerSecond(1).WithBurst(-1)}, "Burst"},
		{"interval under 1µs", 1, []ratelimit.Limit{ratelimit.PerSecond(2_000_000)}, "Period/Rate"},
		{"bad name", 1, []ratelimit.Limit{ratelimit.PerSecond(1).Named("a b")}, "Name"},
		{"duplicate name", 1, []ratelimit.Limit{ratelimit.PerSecond(1), ratelimit.PerSecond(2)}, "two limits named"},
		{"negative cost", -1, []ratelimit.Limit{ratelimit.PerSecond(1)}, "cost"},
	} {
		_, err := h.Limiter.AllowN(ctx, "k", c.n, c.limits...)
		require.ErrorContains(t, err, c.field, c.name)
		require.ErrorContains(t, err, "ratelimit: ", c.name)
	}
	_, err := h.Limiter.Allow(ctx, "", ratelimit.PerSecond(1))
	require.ErrorContains(t, err, "ratelimit: key must not be empty")
}

func testDoneContext(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.Limiter.Allow(ctx, "k", ratelimit.PerHour(1))
	require.ErrorIs(t, err, context.Canceled)
	res, err := h.Limiter.Allow(t.Context(), "k", ratelimit.PerHour(1))
	require.NoError(t, err)
	require.True(t, res.Allowed, "the canceled call charged nothing")
}

func testWaitAtOnce(t *testing.T, h Harness) {
	ctx := t.Context()
	l := ratelimit.PerHour(5)
	require.NoError(t, h.Limiter.Wait(ctx, "k", 2, l))
	res, err := h.Limiter.AllowN(ctx, "k", 0, l)
	require.NoError(t, err)
	require.Equal(t, 3, res.Remaining, "Wait charged its cost")
}

func testWaitSleeps(t *testing.T, h Harness) {
	ctx := t.Context()
	const interval = 200 * time.Millisecond
	l := ratelimit.Limit{Name: "w", Rate: 5, Period: time.Second, Burst: 1}
	count := ratelimit.PerHour(100).Named("count") // counts the charges, whatever the timing
	start := h.Now()
	res, err := h.Limiter.Allow(ctx, "k", l, count)
	require.NoError(t, err)
	require.True(t, res.Allowed)

	done := make(chan error, 1)
	go func() { done <- h.Limiter.Wait(ctx, "k", 1, l, count) }()
	// Move the clock in steps until Wait returns; a FakeClock needs them,
	// real time passes anyway.
	for i := 0; ; i++ {
		require.Less(t, i, 200, "Wait did not return after 10s of limiter time")
		select {
		case err = <-done:
		case <-time.After(10 * time.Millisecond):
			h.Advance(50 * time.Millisecond)
			continue
		}
		break
	}
	require.NoError(t, err)
	require.GreaterOrEqual(t, since(h, start), interval-time.Millisecond, "Wait returned before the limit admitted")
	res, err = h.Limiter.AllowN(ctx, "k", 0, count)
	require.NoError(t, err)
	require.Equal(t, 98, res.Remaining, "Allow and Wait charged one unit each")
}

func testWaitPastDeadline(t *testing.T, h Harness) {
	l := ratelimit.PerHour(1)
	res, err := h.Limiter.Allow(t.Context(), "k", l)
	require.NoError(t, err)
	require.True(t, res.Allowed)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err = h.Limiter.Wait(ctx, "k", 1, l)
	require.NoError(t, ctx.Err(), "Wait must fail at once, not at the deadline")
	require.ErrorIs(t, err, ratelimit.ErrLimited)
	var le *ratelimit.LimitedError
	require.ErrorAs(t, err, &le)
	require.Equal(t, "k", le.Key)
	require.Equal(t, l, le.Limit)
	require.Greater(t, le.RetryAfter, 30*time.Minute)
}

func testWaitCanceled(t *testing.T, h Harness) {
	l := ratelimit.PerHour(1)
	_, err := h.Limiter.Allow(t.Context(), "k", l)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- h.Limiter.Wait(ctx, "k", 1, l) }()
	select {
	case err := <-done:
		t.Fatalf("Wait returned %v before the limit admitted or ctx was canceled", err)
	case <-time.After(20 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after its context was canceled")
	}
}

// testKeyBytes checks that keys with the bytes a store might treat
// specially are distinct keys, each with its own limits.
func testKeyBytes(t *testing.T, h Harness) {
	ctx := t.Context()
	hour := ratelimit.PerHour(1).Named("hour")
	day := ratelimit.PerDay(1).Named("day")
	keys := []string{"}", "{", "{}", "a}b", "a%7Db", "%", "%25", "}abc{", "x y", "ünï", "\x00", "{tenant}:1"}
	for _, key := range keys {
		res, err := h.Limiter.Allow(ctx, key, hour, day)
		require.NoError(t, err, "key %q", key)
		require.True(t, res.Allowed, "key %q is its own key", key)
	}
	for _, key := range keys {
		res, err := h.Limiter.Allow(ctx, key, hour, day)
		require.NoError(t, err, "key %q", key)
		require.False(t, res.Allowed, "key %q kept its state", key)
	}
}
