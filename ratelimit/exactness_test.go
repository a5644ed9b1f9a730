package ratelimit_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/ratelimit"
)

// admission is one admitted request: it was decided by Redis at some
// moment between start and end (microseconds of the wall clock, which
// is the clock Redis TIME reads on this machine).
type admission struct{ start, end int64 }

// replicas returns n limiters with their own Redis clients sharing one
// prefix, as n replicas of a service would; the deny cache is on. It also
// returns a client of its own to watch Redis with.
func replicas(t *testing.T, n int) ([]*ratelimit.RedisLimiter, *redis.Client) {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	watch := redis.NewClient(opt)
	t.Cleanup(func() { _ = watch.Close() })
	prefix := ""
	lims := make([]*ratelimit.RedisLimiter, n)
	for i := range lims {
		rdb := redis.NewClient(opt)
		t.Cleanup(func() { _ = rdb.Close() })
		if prefix == "" {
			prefix = testPrefix(t, rdb)
		}
		lims[i] = newRedisLimiter(t, rdb, ratelimit.RedisOptions{Prefix: prefix, FailureMode: ratelimit.FailClosed})
	}
	return lims, watch
}

// watchStalls pings Redis from its own client until stop, and returns
// the pings that took over 50ms: moments when the machine or Redis served
// nobody (the shared test machine has them), so that no limiter could
// admit at its rate.
func watchStalls(ctx context.Context, rdb *redis.Client, stop time.Time) []time.Duration {
	var slow []time.Duration
	for time.Now().Before(stop) {
		t0 := time.Now()
		_ = rdb.Ping(ctx).Err()
		if d := time.Since(t0); d > 50*time.Millisecond {
			slow = append(slow, d)
		}
		time.Sleep(time.Millisecond)
	}
	return slow
}

// hammer sends requests on key from perReplica goroutines on each limiter
// for d, and returns the admitted ones sorted by start, with the start of
// the run, when the last request was sent (stop) and when the last reply
// came (end), in microseconds of the wall clock, and the stalls of the
// machine or Redis meanwhile.
func hammer(t *testing.T, lims []*ratelimit.RedisLimiter, watch *redis.Client, perReplica int, d time.Duration, key string, limits ...ratelimit.Limit) (adm []admission, runStart, runStop, runEnd int64, stalls []time.Duration) {
	t.Helper()
	for _, lim := range lims { // connect and load the script first
		_, err := lim.AllowN(t.Context(), key, 0, limits...)
		require.NoError(t, err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(lims)*perReplica)
	runStart = time.Now().UnixMicro()
	stop := time.Now().Add(d)
	runStop = runStart + d.Microseconds()
	watched := make(chan []time.Duration, 1)
	go func() { watched <- watchStalls(t.Context(), watch, stop) }()
	for _, lim := range lims {
		for range perReplica {
			wg.Go(func() {
				var mine []admission
				for time.Now().Before(stop) {
					s := time.Now().UnixMicro()
					res, err := lim.Allow(t.Context(), key, limits...)
					e := time.Now().UnixMicro()
					if err != nil {
						errs <- err
						return
					}
					if res.Allowed {
						mine = append(mine, admission{s, e})
					}
				}
				mu.Lock()
				adm = append(adm, mine...)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	runEnd = time.Now().UnixMicro()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	slices.SortFunc(adm, func(a, b admission) int { return int(a.start - b.start) })
	return adm, runStart, runStop, runEnd, <-watched
}

// checkBound requires that over every interval [a, b] (from the start of
// an admitted request to the end of another), the requests admitted
// wholly inside it number at most burst + rate·(b-a): the GCRA bound. It
// returns how many intervals it checked.
func checkBound(t *testing.T, adm []admission, l ratelimit.Limit) int {
	t.Helper()
	perMicro := float64(l.Rate) / float64(l.Period.Microseconds())
	burst := float64(l.EffectiveBurst())
	ends := make([]int64, 0, len(adm))
	checked := 0
	for i := range adm {
		a := adm[i].start
		ends = ends[:0]
		for _, x := range adm[i:] {
			ends = append(ends, x.end) // every x starts at or after a
		}
		slices.Sort(ends)
		for m, b := range ends {
			inside := float64(m + 1) // the requests ending by b
			bound := burst + perMicro*float64(b-a)
			if inside > bound {
				require.LessOrEqualf(t, inside, bound, "limit %q: %v admitted in %v",
					l.EffectiveName(), m+1, time.Duration(b-a)*time.Microsecond)
			}
			checked++
		}
	}
	return checked
}

// checkSaturated requires the admitted count to stay within what the
// limit allows from the start of the run to the last reply, and to reach
// 95% of what it allows while requests were being sent and served. A
// stall of d loses a limit d - Burst·Period/Rate of refill (the burst
// absorbs the rest), so that much of each stall is not counted.
func checkSaturated(t *testing.T, admitted int, l ratelimit.Limit, runStart, runStop, runEnd int64, stalls []time.Duration) {
	t.Helper()
	allowed := func(d time.Duration) float64 {
		return float64(l.EffectiveBurst()) + float64(l.Rate)*float64(d)/float64(l.Period)
	}
	require.LessOrEqual(t, float64(admitted), allowed(time.Duration(runEnd-runStart)*time.Microsecond), "limit %q over the run", l.EffectiveName())
	tolerance := time.Duration(l.EffectiveBurst()) * l.Period / time.Duration(l.Rate)
	var lost time.Duration
	for _, d := range stalls {
		lost += max(d-tolerance, 0)
	}
	served := time.Duration(runStop-runStart)*time.Microsecond - lost
	require.GreaterOrEqual(t, float64(admitted), 0.95*allowed(served), "limit %q: a saturated limiter must admit ≥95%% of its limit (stalls %v)", l.EffectiveName(), stalls)
	t.Logf("limit %q: admitted %d of %.1f allowed over %v (%.1f%%; %v lost to stalls %v)", l.EffectiveName(), admitted, allowed(served),
		served, 100*float64(admitted)/allowed(served), lost, stalls)
}

func replicaStats(lims []*ratelimit.RedisLimiter) (st ratelimit.Stats) {
	for _, l := range lims {
		s := l.Stats()
		st.Allowed += s.Allowed
		st.Denied += s.Denied
		st.DenyCacheHits += s.DenyCacheHits
		st.RedisErrors += s.RedisErrors
	}
	return st
}

// TestRedisExactAcrossReplicas hammers one key from 3 replicas with deny
// caches: over every interval the admitted requests stay within the GCRA
// bound, and the limiter still admits ≥95% of what the limit allows.
func TestRedisExactAcrossReplicas(t *testing.T) {
	t.Parallel()
	lims, watch := replicas(t, 3)
	l := ratelimit.Limit{Name: "hot", Rate: 100, Period: time.Second, Burst: 20}
	adm, runStart, runStop, runEnd, stalls := hammer(t, lims, watch, 8, 3*time.Second, "hot", l)
	checked := checkBound(t, adm, l)
	checkSaturated(t, len(adm), l, runStart, runStop, runEnd, stalls)
	st := replicaStats(lims)
	require.Equal(t, uint64(len(adm)+len(lims)), st.Allowed, "the admitted requests and the warm-ups")
	require.Zero(t, st.RedisErrors)
	require.Positive(t, st.DenyCacheHits, "the deny cache answered the hot key")
	t.Logf("%d intervals checked; %d decisions, %d denied in-process", checked, st.Allowed+st.Denied, st.DenyCacheHits)
}

// TestRedisExactMultiLimitAcrossReplicas does the same for a decision of
// two limits, where the second denies most: if a denial charged the
// first limit, the first would run dry and the count would fall far under
// the second's bound.
func TestRedisExactMultiLimitAcrossReplicas(t *testing.T) {
	t.Parallel()
	lims, watch := replicas(t, 3)
	wide := ratelimit.Limit{Name: "wide", Rate: 400, Period: time.Second, Burst: 100}
	narrow := ratelimit.Limit{Name: "narrow", Rate: 100, Period: time.Second, Burst: 10}
	adm, runStart, runStop, runEnd, stalls := hammer(t, lims, watch, 8, 3*time.Second, "multi", wide, narrow)
	checkBound(t, adm, wide)
	checkBound(t, adm, narrow)
	checkSaturated(t, len(adm), narrow, runStart, runStop, runEnd, stalls)

	// The wide limit was charged for the admitted requests only: it has
	// been spent at 100/s of its 400/s, so after the run it is nearly full.
	res, err := lims[0].AllowN(t.Context(), "multi", 0, wide)
	require.NoError(t, err)
	require.GreaterOrEqual(t, res.Remaining, 100-10-1, "the wide limit lost more than the narrow one admitted")
}
