// Package testenv finds the real services (Postgres, Redis, IMAP, SMTP)
// that tests run against, from environment variables.
//
// A test that needs a service calls the matching function. When the
// variable is unset the test is skipped with a message naming it, so that
// `go test ./...` passes on a bare machine; when REQUIRE_SERVICES=1 (as
// in .ci/run) the missing variable fails the test instead, so that CI can
// never pass by skipping.
package testenv

import (
	"os"
	"testing"
)

// Environment variables read by this package.
const (
	DatabaseURLVar  = "TEST_DATABASE_URL"
	RedisURLVar     = "TEST_REDIS_URL"
	IMAPAddrVar     = "TEST_IMAP_ADDR"
	IMAPUserVar     = "TEST_IMAP_USER"
	IMAPPasswordVar = "TEST_IMAP_PASSWORD"
	SMTPAddrVar     = "TEST_SMTP_ADDR"
	SMTPAPIVar      = "TEST_SMTP_API"
	RequireVar      = "REQUIRE_SERVICES"
)

// Required reports whether REQUIRE_SERVICES=1: a missing service is a
// failure, not a skip.
func Required() bool { return os.Getenv(RequireVar) == "1" }

// Lookup returns the values of the named variables. If any is unset it
// skips t (or fails it under REQUIRE_SERVICES=1) naming what is missing
// and what it is for.
func Lookup(t testing.TB, what string, names ...string) []string {
	t.Helper()
	vals := make([]string, len(names))
	var missing []string
	for i, n := range names {
		vals[i] = os.Getenv(n)
		if vals[i] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		if Required() {
			t.Fatalf("%s: %v unset, and %s=1 forbids skipping", what, missing, RequireVar)
		}
		t.Skipf("%s: set %v to run this test", what, missing)
	}
	return vals
}

// DatabaseURL returns TEST_DATABASE_URL (a PostgreSQL URL).
func DatabaseURL(t testing.TB) string {
	t.Helper()
	return Lookup(t, "needs PostgreSQL", DatabaseURLVar)[0]
}

// RedisURL returns TEST_REDIS_URL (a redis:// URL).
func RedisURL(t testing.TB) string {
	t.Helper()
	return Lookup(t, "needs Redis", RedisURLVar)[0]
}

// IMAP returns TEST_IMAP_ADDR, TEST_IMAP_USER and TEST_IMAP_PASSWORD.
func IMAP(t testing.TB) (addr, user, password string) {
	t.Helper()
	v := Lookup(t, "needs an IMAP server", IMAPAddrVar, IMAPUserVar, IMAPPasswordVar)
	return v[0], v[1], v[2]
}

// SMTP returns TEST_SMTP_ADDR and TEST_SMTP_API (the sink's HTTP API).
func SMTP(t testing.TB) (addr, api string) {
	t.Helper()
	v := Lookup(t, "needs an SMTP server", SMTPAddrVar, SMTPAPIVar)
	return v[0], v[1]
}
