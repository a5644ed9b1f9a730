package main

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/store/postgres/pgtest"
)

const (
	testSecret = "black-box-test-secret-0123456789abcdef"
	testKeys   = "k1:q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="
	// testAdminToken is ADMIN_TOKEN, the operators' credential that
	// /metrics and /health/queue-stats ask for.
	testAdminToken = "black-box-admin-token-0123456789abcdef0123"
	// maxBody is MAX_BODY_BYTES in the tests: small, so that the
	// oversized-body case stays cheap.
	maxBody = 64 << 10
)

// baseEnv is what every instance of the suite gets: a known JWT secret,
// loopback mail servers allowed (the tests' IMAP server is on loopback),
// a small body limit and generous rate limits, but for the "tight" tier.
// IMAP watchers, the catch-up sweep and the periodic connectivity checks
// are off: the suite counts the jobs it asks for, and theirs would add
// to them (they have tests of their own).
func baseEnv() map[string]string {
	return map[string]string{
		"JWT_SECRET":               testSecret,
		"ADMIN_TOKEN":              testAdminToken,
		"MAIL_ALLOW_PRIVATE_HOSTS": "true",
		"MAIL_ALLOW_PLAINTEXT":     "true",
		"MAX_BODY_BYTES":           "65536",
		"RATE_LIMIT_TIERS":         "free: 10000/s burst=10000; tight: 3/m",
		"CONNECTOR_TEST_TIMEOUT":   "10s",
		"IMAP_WATCH":               "false",
		// The periodic jobs run at multiples of their interval since the
		// epoch: intervals this long never fire during a run, so that the
		// suite's job counts are its own.
		"SYNC_SWEEP_INTERVAL":    "9999h",
		"HEALTH_CHECK_INTERVAL":  "9999h",
		"WATCH_RENEW_INTERVAL":   "9999h",
		"TOKEN_REFRESH_INTERVAL": "9999h",
	}
}

// productionEnv adds a Postgres schema and a Redis key prefix of the
// test's own (both removed when it ends) to env, or skips the test when
// TEST_DATABASE_URL or TEST_REDIS_URL is unset.
func productionEnv(t *testing.T, env map[string]string) map[string]string {
	t.Helper()
	dbURL := pgtest.URL(t)
	redisURL, prefix := redistest.Prefix(t, "ist")
	env["DATABASE_URL"] = dbURL
	env["DATABASE_MAX_CONNS"] = "4"
	env["REDIS_URL"] = redisURL
	env["REDIS_KEY_PREFIX"] = prefix
	env["ENCRYPTION_KEYS"] = testKeys
	return env
}

// tokenFor signs a token with the test secret for tenant.
func tokenFor(t *testing.T, tenant string, mutate ...func(jwt.MapClaims)) string {
	t.Helper()
	c := jwt.MapClaims{"sub": "agent-1", "tenant_id": tenant, "exp": time.Now().Add(time.Hour).Unix()}
	for _, m := range mutate {
		m(c)
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(testSecret))
	require.NoError(t, err)
	return s
}
