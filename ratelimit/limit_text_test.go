package ratelimit_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want ratelimit.Limit
		out  string
	}{
		{"10/s", ratelimit.Limit{Rate: 10, Period: time.Second}, "10/s"},
		{"10/1s", ratelimit.Limit{Rate: 10, Period: time.Second}, "10/s"},
		{"300/m burst=50", ratelimit.Limit{Rate: 300, Period: time.Minute, Burst: 50}, "300/m burst=50"},
		{"  6000/m   name=gmail ", ratelimit.Limit{Name: "gmail", Rate: 6000, Period: time.Minute}, "6000/m name=gmail"},
		{"10000/10m", ratelimit.Limit{Rate: 10000, Period: 10 * time.Minute}, "10000/10m"},
		{"5000/d", ratelimit.Limit{Rate: 5000, Period: 24 * time.Hour}, "5000/d"},
		{"1/7d", ratelimit.Limit{Rate: 1, Period: 7 * 24 * time.Hour}, "1/7d"},
		{"5/500ms burst=1", ratelimit.Limit{Rate: 5, Period: 500 * time.Millisecond, Burst: 1}, "5/500ms burst=1"},
		{"100/h name=1h", ratelimit.Limit{Name: "1h", Rate: 100, Period: time.Hour}, "100/h"},
	} {
		got, err := ratelimit.ParseLimit(c.in)
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, got, c.in)
		require.Equal(t, c.out, got.String(), c.in)
		again, err := ratelimit.ParseLimit(got.String())
		require.NoError(t, err)
		require.Equal(t, got.EffectiveName(), again.EffectiveName())
		require.Equal(t, got.Rate, again.Rate)
		require.Equal(t, got.Period, again.Period)
		require.Equal(t, got.Burst, again.Burst)
	}
}

func TestParseLimitErrors(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":              "empty",
		"10":            "RATE/PERIOD",
		"x/s":           "rate",
		"10/fortnight":  "period",
		"10/0d":         "days",
		"10/s burst=x":  "burst",
		"10/s colour=3": "unknown option",
		"0/s":           "Rate must be positive",
		"10/-1s":        "Period must be positive",
		"10/s name=a\"": "Name",
	} {
		_, err := ratelimit.ParseLimit(in)
		require.ErrorContains(t, err, want, in)
		require.ErrorContains(t, err, "ratelimit: ", in)
	}
}

func TestLimitJSON(t *testing.T) {
	t.Parallel()
	var cfg struct{ Limits []ratelimit.Limit }
	require.NoError(t, json.Unmarshal([]byte(`{"Limits": ["10/s burst=20", "6000/m name=gmail"]}`), &cfg))
	require.Equal(t, []ratelimit.Limit{ratelimit.PerSecond(10).WithBurst(20).Named(""), ratelimit.PerMinute(6000).Named("gmail")}, cfg.Limits)
	out, err := json.Marshal(cfg)
	require.NoError(t, err)
	require.JSONEq(t, `{"Limits": ["10/s burst=20", "6000/m name=gmail"]}`, string(out))
	require.Error(t, json.Unmarshal([]byte(`{"Limits": ["ten per second"]}`), &cfg))
}

func TestLimitHelpers(t *testing.T) {
	t.Parallel()
	l := ratelimit.PerMinute(100)
	require.Equal(t, "1m", l.EffectiveName())
	require.Equal(t, 100, l.EffectiveBurst())
	require.Equal(t, 7, l.WithBurst(7).EffectiveBurst())
	require.Equal(t, "10m", ratelimit.Limit{Rate: 1, Period: 10 * time.Minute}.EffectiveName())
	require.Equal(t, "1d", ratelimit.PerDay(1).EffectiveName())
	require.Equal(t, "1h", ratelimit.PerHour(1).EffectiveName())
	require.Equal(t, "1s", ratelimit.PerSecond(1).EffectiveName())
	require.NoError(t, l.Validate())
	require.ErrorContains(t, ratelimit.Limit{Rate: 1}.Validate(), "Period")
}

func TestLimitBoundsWithoutOverflow(t *testing.T) {
	t.Parallel()
	huge := int(^uint(0) >> 1)
	require.ErrorContains(t, ratelimit.Limit{Rate: huge, Period: time.Hour}.Validate(), "Period/Rate")
	require.ErrorContains(t, ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: huge}.Validate(), "Burst")
	require.NoError(t, ratelimit.Limit{Rate: 1_000_000, Period: time.Second}.Validate(), "1µs is the finest interval")
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	require.NoError(t, err)
	_, err = lim.AllowN(t.Context(), "k", huge, ratelimit.PerSecond(10))
	require.ErrorIs(t, err, ratelimit.ErrCostExceedsBurst)
}
