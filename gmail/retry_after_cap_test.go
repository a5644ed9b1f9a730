package gmail

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/internal/retry"
)

// A Retry-After longer than the module's cap is waited on for the cap
// (retry.MaxAfter, an hour), as every other reader of it does.
func TestRetryAfterCapped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.MaxRetries = -1 })
	f.srv.InjectFault(gmailtest.Fault{Method: "users.getProfile", Status: 429, Reason: "rateLimitExceeded", RetryAfter: 48 * time.Hour})
	err := f.c.Test(context.Background())
	require.ErrorIs(t, err, connector.ErrRateLimited)
	require.Equal(t, retry.MaxAfter, connector.RetryAfter(err))
}
