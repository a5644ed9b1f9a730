package ratelimit_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
)

func TestParseTiers(t *testing.T) {
	t.Parallel()
	tiers, err := ratelimit.ParseTiers("free: 5/s burst=10, 100/m; pro: 20/s burst=40, 600/m, 100000/d ;")
	require.NoError(t, err)
	require.Equal(t, ratelimit.Tiers{
		"free": {ratelimit.PerSecond(5).WithBurst(10).Named(""), ratelimit.PerMinute(100).Named("")},
		"pro":  {ratelimit.PerSecond(20).WithBurst(40).Named(""), ratelimit.PerMinute(600).Named(""), ratelimit.PerDay(100000).Named("")},
	}, tiers)
	require.Equal(t, "free: 5/s burst=10, 100/m; pro: 20/s burst=40, 600/m, 100000/d", tiers.String())
	again, err := ratelimit.ParseTiers(tiers.String())
	require.NoError(t, err)
	require.Equal(t, tiers, again)
}

func TestParseTiersErrors(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                          "no tiers",
		"free 5/s":                  "want NAME: LIMIT[, LIMIT]",
		": 5/s":                     "want NAME: LIMIT[, LIMIT]",
		"free: 5/s; free: 6/s":      `tier "free" given twice`,
		"free: 5/s, x":              `tier "free": limit "x"`,
		"free: 5/s, 10/s":           `tier "free": two limits named "1s"`,
		"free: 5/s, 10/s name=fast": "", // distinct names: valid
	} {
		_, err := ratelimit.ParseTiers(in)
		if want == "" {
			require.NoError(t, err, in)
			continue
		}
		require.ErrorContains(t, err, want, in)
		require.NotContains(t, err.Error(), "ratelimit: ratelimit:", "one prefix")
	}
}

func TestDefaultTiersValid(t *testing.T) {
	t.Parallel()
	tiers := ratelimit.DefaultTiers()
	require.NoError(t, tiers.Validate())
	require.ElementsMatch(t, []string{"free", "pro", "enterprise"}, keys(tiers))
	require.ErrorContains(t, ratelimit.Tiers{"x": nil}.Validate(), `tier "x" has no limits`)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
