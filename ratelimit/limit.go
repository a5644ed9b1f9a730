package ratelimit

import (
	"fmt"
	"time"
)

// Limit is a rate: Rate cost units per Period, of which at most Burst may
// be spent at once. A request costs 1 unit unless it says otherwise
// (AllowN, Wait).
//
// Limits are plain values: write them as literals, build them with
// PerSecond and friends, or parse them from configuration with ParseLimit.
type Limit struct {
	// Name identifies the limit. It is the last part of the limit's Redis
	// key and the policy name in the RateLimit headers, so it must be
	// unique among the limits of one decision. Empty means a name derived
	// from Period: "1s", "1m", "10m", "1h", "1d". It may hold printable
	// ASCII except space, '"', '\\', '{' and '}'.
	Name string
	// Rate is how many units the limit refills per Period; it must be
	// positive.
	Rate int
	// Period is the window Rate is counted over; it must be positive, and
	// Period/Rate (the emission interval) at least one microsecond.
	Period time.Duration
	// Burst is how many units may be spent at once on a full limit. Zero
	// means Rate.
	Burst int
}

// PerSecond returns a limit of rate units per second, burst rate, named
// "1s".
func PerSecond(rate int) Limit { return Limit{Name: "1s", Rate: rate, Period: time.Second} }

// PerMinute returns a limit of rate units per minute, burst rate, named
// "1m".
func PerMinute(rate int) Limit { return Limit{Name: "1m", Rate: rate, Period: time.Minute} }

// PerHour returns a limit of rate units per hour, burst rate, named "1h".
func PerHour(rate int) Limit { return Limit{Name: "1h", Rate: rate, Period: time.Hour} }

// PerDay returns a limit of rate units per 24 hours, burst rate, named
// "1d".
func PerDay(rate int) Limit { return Limit{Name: "1d", Rate: rate, Period: 24 * time.Hour} }

// WithBurst returns a copy of l whose Burst is burst.
func (l Limit) WithBurst(burst int) Limit {
	l.Burst = burst
	return l
}

// Named returns a copy of l whose Name is name.
func (l Limit) Named(name string) Limit {
	l.Name = name
	return l
}

// EffectiveName returns Name, or the name derived from Period when Name is
// empty.
func (l Limit) EffectiveName() string {
	if l.Name != "" {
		return l.Name
	}
	return formatPeriod(l.Period)
}

// EffectiveBurst returns Burst, or Rate when Burst is zero.
func (l Limit) EffectiveBurst() int {
	if l.Burst == 0 {
		return l.Rate
	}
	return l.Burst
}

// Validate reports whether l can be used, with an error naming the field
// that is wrong.
func (l Limit) Validate() error {
	_, err := compile(l)
	return err
}

// maxTolerance bounds Burst × emission interval, in microseconds, so that
// every time the Redis script computes stays an exact integer in a Lua
// double (2^53) even added to the Unix time in microseconds.
const maxTolerance = 1 << 50

// compile validates l and computes its GCRA parameters.
func compile(l Limit) (spec, error) {
	name := l.EffectiveName()
	switch {
	case l.Rate <= 0:
		return spec{}, fmt.Errorf("ratelimit: limit %q: Rate must be positive, got %d", name, l.Rate)
	case l.Period <= 0:
		return spec{}, fmt.Errorf("ratelimit: limit %q: Period must be positive, got %v", name, l.Period)
	case l.Burst < 0:
		return spec{}, fmt.Errorf("ratelimit: limit %q: Burst must not be negative, got %d", name, l.Burst)
	}
	if err := checkName(name); err != nil {
		return spec{}, err
	}
	if int64(l.Rate) > int64(l.Period/time.Microsecond) {
		return spec{}, fmt.Errorf("ratelimit: limit %q: Period/Rate must be at least 1µs, got %v/%d", name, l.Period, l.Rate)
	}
	// The emission interval, rounded up to a whole microsecond: a limit
	// never admits more than it says, and a full burst is always admitted.
	interval := (int64(l.Period) + int64(l.Rate)*1000 - 1) / (int64(l.Rate) * 1000)
	burst := int64(l.EffectiveBurst())
	if burst > maxTolerance/interval {
		return spec{}, fmt.Errorf("ratelimit: limit %q: Burst × Period/Rate must be under 35 years, got %d × %dµs", name, burst, interval)
	}
	return spec{name: name, interval: interval, tolerance: burst * interval}, nil
}

// checkName reports whether name can be part of a Redis key and a
// Structured Fields string.
func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("ratelimit: limit Name must not be empty")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '{' || c == '}' {
			return fmt.Errorf("ratelimit: limit Name %q: byte %q is not allowed (printable ASCII except space, '\"', '\\\\', '{', '}')", name, c)
		}
	}
	return nil
}
