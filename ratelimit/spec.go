package ratelimit

import (
	"fmt"
	"time"
)

// spec is a validated Limit in the units the algorithm works in.
//
// The algorithm is GCRA (the generic cell rate algorithm): each limit
// keeps a theoretical arrival time (TAT); a request of cost n is admitted
// at time now when max(TAT, now) + n·interval - now <= tolerance, and
// then TAT becomes max(TAT, now) + n·interval. All times are integer
// microseconds. The "debt" of a limit is max(TAT, now) - now: how far
// ahead of now the limit has been spent.
type spec struct {
	name      string
	interval  int64 // emission interval Period/Rate, in µs, rounded up
	tolerance int64 // Burst × interval, in µs
}

// maxLimits is how many limits one decision may combine.
const maxLimits = 16

// compileAll validates the limits of one decision and a cost against
// them, and returns their specs in buf.
func compileAll(buf *[maxLimits]spec, n int, limits []Limit) ([]spec, error) {
	switch {
	case len(limits) == 0:
		return nil, fmt.Errorf("ratelimit: no limits given")
	case len(limits) > maxLimits:
		return nil, fmt.Errorf("ratelimit: %d limits given, at most %d may be combined", len(limits), maxLimits)
	case n < 0:
		return nil, fmt.Errorf("ratelimit: cost must not be negative, got %d", n)
	}
	specs := buf[:len(limits)]
	for i, l := range limits {
		s, err := compile(l)
		if err != nil {
			return nil, err
		}
		for j := range i {
			if specs[j].name == s.name {
				return nil, fmt.Errorf("ratelimit: two limits named %q in one decision (set Name)", s.name)
			}
		}
		if int64(n) > s.tolerance/s.interval { // the burst, without overflowing
			return nil, fmt.Errorf("%w: cost %d, limit %q has burst %d", ErrCostExceedsBurst, n, s.name, l.EffectiveBurst())
		}
		specs[i] = s
	}
	return specs, nil
}

// outcome turns the debts of one decision into a Result: for an admitted
// request the debts after charging, for a denied one the debts before. It
// also returns the index of the deciding limit.
func outcome(limits []Limit, specs []spec, n int64, allowed bool, debts []int64) (Result, int) {
	best := 0
	if allowed {
		// The limit closest to denying decides: least remaining, then
		// longest reset.
		for i := 1; i < len(specs); i++ {
			ri, rb := remaining(specs[i], debts[i]), remaining(specs[best], debts[best])
			if ri < rb || ri == rb && debts[i] > debts[best] {
				best = i
			}
		}
		return Result{
			Allowed:    true,
			Remaining:  remaining(specs[best], debts[best]),
			ResetAfter: micros(debts[best]),
			Limit:      limits[best],
		}, best
	}
	// The limit that would admit the request last decides.
	retry := int64(-1 << 62)
	for i, s := range specs {
		if r := debts[i] + n*s.interval - s.tolerance; r > retry {
			best, retry = i, r
		}
	}
	return Result{
		Remaining:  remaining(specs[best], debts[best]),
		RetryAfter: micros(max(retry, 1)),
		ResetAfter: micros(debts[best]),
		Limit:      limits[best],
	}, best
}

// remaining is how many unit-cost requests a limit with this debt would
// admit now.
func remaining(s spec, debt int64) int {
	if debt >= s.tolerance {
		return 0
	}
	return int((s.tolerance - debt) / s.interval)
}

// micros converts microseconds to a Duration.
func micros(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// formatPeriod writes d compactly: "1s", "10m", "1d", "500ms".
func formatPeriod(d time.Duration) string {
	switch {
	case d <= 0:
		return d.String()
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	case d%time.Millisecond == 0:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
	return d.String()
}
