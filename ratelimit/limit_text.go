package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseLimit parses a limit written as
//
//	RATE/PERIOD [burst=N] [name=NAME]
//
// where PERIOD is s, m, h or d (one second, minute, hour, day) or a
// count with a unit: 10s, 15m, 7d, 500ms (Go durations, plus d for 24
// hours). For example "10/s burst=20", "6000/m name=gmail", "10000/10m".
// Limit.String writes the same form.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return Limit{}, fmt.Errorf("ratelimit: limit %q: empty, want RATE/PERIOD such as 10/s", s)
	}
	rate, period, ok := strings.Cut(fields[0], "/")
	if !ok {
		return Limit{}, fmt.Errorf("ratelimit: limit %q: want RATE/PERIOD such as 10/s", s)
	}
	var l Limit
	var err error
	if l.Rate, err = strconv.Atoi(rate); err != nil {
		return Limit{}, fmt.Errorf("ratelimit: limit %q: rate %q is not an integer", s, rate)
	}
	if l.Period, err = parsePeriod(period); err != nil {
		return Limit{}, fmt.Errorf("ratelimit: limit %q: %w", s, err)
	}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "burst":
			if l.Burst, err = strconv.Atoi(v); err != nil {
				return Limit{}, fmt.Errorf("ratelimit: limit %q: burst %q is not an integer", s, v)
			}
		case "name":
			l.Name = v
		default:
			return Limit{}, fmt.Errorf("ratelimit: limit %q: unknown option %q (want burst=N or name=NAME)", s, f)
		}
	}
	if err := l.Validate(); err != nil {
		return Limit{}, err
	}
	return l, nil
}

func parsePeriod(s string) (time.Duration, error) {
	switch s {
	case "s", "m", "h", "d":
		s = "1" + s
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("period %q is not a positive number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("period %q is not s, m, h, d or a duration such as 10m", s)
	}
	return d, nil
}

// String writes l in the form ParseLimit reads, e.g. "10/s burst=20".
func (l Limit) String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(l.Rate))
	b.WriteByte('/')
	period := formatPeriod(l.Period)
	switch period {
	case "1s", "1m", "1h", "1d":
		period = period[1:]
	}
	b.WriteString(period)
	if l.Burst != 0 {
		b.WriteString(" burst=")
		b.WriteString(strconv.Itoa(l.Burst))
	}
	if l.Name != "" && l.Name != formatPeriod(l.Period) {
		b.WriteString(" name=")
		b.WriteString(l.Name)
	}
	return b.String()
}

// MarshalText writes l as String does, so that limits can be written in
// JSON or YAML configuration as strings.
func (l Limit) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText parses a limit as ParseLimit does.
func (l *Limit) UnmarshalText(text []byte) error {
	parsed, err := ParseLimit(string(text))
	if err != nil {
		return err
	}
	*l = parsed
	return nil
}
