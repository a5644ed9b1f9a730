package ratelimit

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Tiers maps a tier (a plan such as "free", "pro" or "enterprise") to the
// limits its tenants get. All the limits of a tier apply to every request
// together: typically a per-second burst, a per-minute rate and a daily
// quota. Since limit names are part of the keys, a tenant who changes tier
// keeps what it has spent on the limits of the same names.
type Tiers map[string][]Limit

// DefaultTiers returns the tiers a service starts with until it is
// configured:
//
//	free:       5/s burst=10,   100/m,  5000/d
//	pro:        20/s burst=40,  600/m,  100000/d
//	enterprise: 100/s burst=200, 3000/m, 2000000/d
func DefaultTiers() Tiers {
	return Tiers{
		"free":       {PerSecond(5).WithBurst(10), PerMinute(100), PerDay(5000)},
		"pro":        {PerSecond(20).WithBurst(40), PerMinute(600), PerDay(100_000)},
		"enterprise": {PerSecond(100).WithBurst(200), PerMinute(3000), PerDay(2_000_000)},
	}
}

// ParseTiers parses tiers written as
//
//	TIER: LIMIT, LIMIT...; TIER: LIMIT...
//
// with each LIMIT as ParseLimit reads it, for example (one environment
// variable):
//
//	free: 5/s burst=10, 100/m; pro: 20/s burst=40, 600/m
func ParseTiers(s string) (Tiers, error) {
	t := Tiers{}
	for part := range strings.SplitSeq(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, limits, ok := strings.Cut(part, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("ratelimit: tier %q: want NAME: LIMIT[, LIMIT]", strings.TrimSpace(part))
		}
		if _, dup := t[name]; dup {
			return nil, fmt.Errorf("ratelimit: tier %q given twice", name)
		}
		for ls := range strings.SplitSeq(limits, ",") {
			l, err := ParseLimit(ls)
			if err != nil {
				return nil, inContext(fmt.Sprintf("tier %q", name), err)
			}
			t[name] = append(t[name], l)
		}
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// Validate reports whether every tier has a name and valid limits, with an
// error naming the tier and the limit.
func (t Tiers) Validate() error {
	if len(t) == 0 {
		return fmt.Errorf("ratelimit: no tiers")
	}
	for _, name := range slices.Sorted(maps.Keys(t)) {
		limits := t[name]
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("ratelimit: a tier has an empty name")
		}
		if len(limits) == 0 {
			return fmt.Errorf("ratelimit: tier %q has no limits", name)
		}
		var buf [maxLimits]spec
		if _, err := compileAll(&buf, 0, limits); err != nil {
			return inContext(fmt.Sprintf("tier %q", name), err)
		}
	}
	return nil
}

// String writes t in the form ParseTiers reads, tiers sorted by name.
func (t Tiers) String() string {
	var b strings.Builder
	for i, name := range slices.Sorted(maps.Keys(t)) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name)
		b.WriteString(": ")
		for j, l := range t[name] {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(l.String())
		}
	}
	return b.String()
}
