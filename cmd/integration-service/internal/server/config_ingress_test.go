package server

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
)

func TestIngressConfig(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(envFunc())
	require.NoError(t, err)
	require.Equal(t, IngressConfig{
		BodyReadTimeout: 10 * time.Second,
		BodyMinRate:     65536,
		WriteTimeout:    30 * time.Second,
		ClientLimits:    []ratelimit.Limit{ratelimit.PerSecond(1000).WithBurst(2000).Named("client-1s")},
		TargetLimits:    []ratelimit.Limit{ratelimit.PerSecond(1000).WithBurst(2000).Named("target-1s")},
	}, cfg.Ingress)

	cfg, err = LoadConfig(envFunc("BODY_READ_TIMEOUT=1s", "BODY_MIN_RATE=0", "WEBHOOK_WRITE_TIMEOUT=5s",
		"WEBHOOK_RATE_LIMIT_CLIENT=5/s burst=10, 100/m", "WEBHOOK_RATE_LIMIT_TARGET=2/s"))
	require.NoError(t, err)
	require.Equal(t, time.Second, cfg.Ingress.BodyReadTimeout)
	require.Zero(t, cfg.Ingress.BodyMinRate)
	require.Equal(t, 5*time.Second, cfg.Ingress.WriteTimeout)
	require.Equal(t, []ratelimit.Limit{
		ratelimit.PerSecond(5).WithBurst(10).Named("client-1s"), ratelimit.PerMinute(100).Named("client-1m"),
	}, cfg.Ingress.ClientLimits)
	require.Equal(t, []ratelimit.Limit{ratelimit.PerSecond(2).Named("target-1s")}, cfg.Ingress.TargetLimits)

	for _, bad := range []string{
		"BODY_READ_TIMEOUT=0", "BODY_READ_TIMEOUT=soon", "BODY_MIN_RATE=-1", "BODY_MIN_RATE=fast", "WEBHOOK_WRITE_TIMEOUT=-1s",
		"WEBHOOK_RATE_LIMIT_CLIENT=lots", "WEBHOOK_RATE_LIMIT_CLIENT=5/s, 6/s", "WEBHOOK_RATE_LIMIT_TARGET=0/s",
	} {
		_, err := LoadConfig(envFunc(bad))
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, bad)
		require.Len(t, ce.Problems, 1, bad)
		name, _, _ := strings.Cut(bad, "=")
		require.True(t, strings.HasPrefix(ce.Problems[0], name+": "), "%s: %s", bad, ce.Problems[0])
	}
}
