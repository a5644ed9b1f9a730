package gmail

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/internal/retry"
)

// Each Gmail error, as the server sends it, has its connector kind (and
// Retry-After where Google gives one).
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		status     int
		reason     string
		retryAfter time.Duration
		kind       error
	}{
		{"400 invalid argument", 400, "invalidArgument", 0, connector.ErrPermanent},
		{"400 failed precondition", 400, "failedPrecondition", 0, connector.ErrPermanent},
		{"401 expired token", 401, "authError", 0, connector.ErrAuth},
		{"403 rateLimitExceeded", 403, "rateLimitExceeded", 7 * time.Second, connector.ErrRateLimited},
		{"403 userRateLimitExceeded", 403, "userRateLimitExceeded", 0, connector.ErrRateLimited},
		{"403 dailyLimitExceeded", 403, "dailyLimitExceeded", 0, connector.ErrRateLimited},
		{"403 insufficientPermissions", 403, "insufficientPermissions", 0, connector.ErrAuth},
		{"403 delegation denied", 403, "forbidden", 0, connector.ErrAuth},
		{"403 accessNotConfigured", 403, "accessNotConfigured", 0, connector.ErrPermanent},
		{"404", 404, "notFound", 0, connector.ErrNotFound},
		{"409 aborted", 409, "aborted", 0, connector.ErrTemporary},
		{"413", 413, "", 0, connector.ErrPermanent},
		{"429", 429, "rateLimitExceeded", 3 * time.Second, connector.ErrRateLimited},
		{"500", 500, "backendError", 0, connector.ErrTemporary},
		{"503 with Retry-After", 503, "backendError", 2 * time.Second, connector.ErrTemporary},
	}
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.MaxRetries = -1 })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.srv.InjectFault(gmailtest.Fault{Method: "users.getProfile", Status: tc.status, Reason: tc.reason, RetryAfter: tc.retryAfter})
			err := f.c.Test(context.Background())
			require.ErrorIs(t, err, tc.kind)
			require.Equal(t, tc.kind, connector.KindOf(err), "exactly one kind")
			require.Equal(t, tc.retryAfter, connector.RetryAfter(err))
			require.Equal(t, tc.status, StatusCode(err))
			require.Contains(t, err.Error(), "gmail: users.getProfile")
		})
	}
}

// A server that cannot be reached is a temporary failure.
func TestNetworkErrorIsTemporary(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.MaxRetries = -1 })
	f.srv.Close()
	err := f.c.Test(context.Background())
	require.ErrorIs(t, err, connector.ErrTemporary)
	require.Zero(t, StatusCode(err))
}

// A token of another mailbox fails Test with ErrAuth.
func TestTestChecksTheMailbox(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.Email = "someone-else@example.com" })
	require.ErrorIs(t, f.c.Test(context.Background()), connector.ErrAuth)
}

func TestRetryAfterHeader(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Mon, 02 Mar 2026 10:00:30 GMT": 30 * time.Second,
		"Mon, 02 Mar 2026 09:00:00 GMT": 0,
	} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		require.Equal(t, want, retry.AfterHeader(h, now), "Retry-After %q", v)
	}
}
