package retry_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/retry"
)

func TestAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"7", 7 * time.Second},
		{" 7 ", 7 * time.Second},
		{"3600", time.Hour},
		{"999999999999999999999", retry.MaxAfter},
		{"-999999999999999999999", 0},
		{"86400", retry.MaxAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), retry.MaxAfter},
		{"soon", 0},
		{"1.5", 0},
	} {
		require.Equal(t, tc.want, retry.After(tc.v, now), "%q", tc.v)
	}
	h := http.Header{}
	h.Set("Retry-After", "12")
	require.Equal(t, 12*time.Second, retry.AfterHeader(h, now))
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	b := retry.Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	for n, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		require.Equal(t, ceiling, b.Ceiling(n), "attempt %d", n)
		seen := map[time.Duration]bool{}
		for range 200 {
			d := b.Delay(n)
			require.GreaterOrEqual(t, d, ceiling/2)
			require.LessOrEqual(t, d, ceiling)
			seen[d] = true
		}
		require.Greater(t, len(seen), 1, "jittered")
	}
	var zero retry.Backoff
	require.Equal(t, time.Second, zero.Ceiling(1))
	require.Equal(t, time.Hour, zero.Ceiling(100))
}
