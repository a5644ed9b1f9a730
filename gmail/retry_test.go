package gmail

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/ratelimit"
)

// Throttled (429, 403 rate limits) and failed (5xx) calls are retried:
// the generated client does not retry by itself.
func TestRetriesThrottledAndFailedCalls(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	f.insert(t, "m", 3)
	f.srv.InjectFault(gmailtest.Fault{Method: "messages.get", Status: 429})
	f.srv.InjectFault(gmailtest.Fault{Method: "messages.get", Status: 403, Reason: "userRateLimitExceeded"})
	f.srv.InjectFault(gmailtest.Fault{Method: "messages.get", Status: 403, Reason: "rateLimitExceeded"})
	f.srv.InjectFault(gmailtest.Fault{Method: "messages.list", Status: 500})
	f.srv.InjectFault(gmailtest.Fault{Method: "users.getProfile", Status: 503})
	r := syncAll(t, f.c, "")
	require.Len(t, r.messages, 3)
	require.Equal(t, 3+3, f.srv.Calls("messages.get"))
	require.Equal(t, 2, f.srv.Calls("messages.list"))
	require.Equal(t, 2, f.srv.Calls("users.getProfile"))
}

// After MaxRetries retries the error is returned; permanent errors are
// not retried at all.
func TestRetryGivesUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.MaxRetries = 3 })
	f.srv.InjectFault(gmailtest.Fault{Method: "users.getProfile", Status: 500, Times: -1})
	require.ErrorIs(t, f.c.Test(context.Background()), connector.ErrTemporary)
	require.Equal(t, 4, f.srv.Calls("users.getProfile"))

	f.srv.ClearFaults()
	f.srv.InjectFault(gmailtest.Fault{Method: "users.getProfile", Status: 400, Times: -1})
	require.ErrorIs(t, f.c.Test(context.Background()), connector.ErrPermanent)
	require.Equal(t, 5, f.srv.Calls("users.getProfile"), "a 400 is not retried")
}

// A Retry-After longer than the backoff is waited for.
func TestRetryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	f.srv.InjectFault(gmailtest.Fault{Method: "users.getProfile", Status: 429, RetryAfter: time.Second})
	start := time.Now()
	require.NoError(t, f.c.Test(context.Background()))
	require.GreaterOrEqual(t, time.Since(start), time.Second)
}

// A wait that would pass the context's deadline is not started: the
// ErrRateLimited error comes back at once with the server's Retry-After.
func TestRetryStopsBeforeDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	f.srv.InjectFault(gmailtest.Fault{Method: "users.getProfile", Status: 429, RetryAfter: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err := f.c.Test(ctx)
	require.ErrorIs(t, err, connector.ErrRateLimited)
	require.Equal(t, 30*time.Second, connector.RetryAfter(err))
	require.Less(t, time.Since(start), time.Second)
}

// Cancelling during a backoff returns the context's error promptly.
func TestCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	f.srv.InjectFault(gmailtest.Fault{Method: "users.getProfile", Status: 429, RetryAfter: 30 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := f.c.Test(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, connector.ErrRateLimited, "the error being backed off from is kept")
	require.Less(t, time.Since(start), 5*time.Second)
}

// The backoff doubles from RetryBase up to RetryMax, with jitter in the
// upper half, and is never shorter than Retry-After.
func TestBackoff(t *testing.T) {
	t.Parallel()
	c := newConnector(t, Config{Email: testUser, TokenSource: staticToken("x"), RetryBase: 100 * time.Millisecond, RetryMax: time.Second})
	for attempt, full := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		full *= time.Millisecond
		for range 50 {
			d := c.backoff(attempt, 0)
			require.GreaterOrEqual(t, d, full/2, "attempt %d", attempt)
			require.LessOrEqual(t, d, full, "attempt %d", attempt)
		}
	}
	require.Equal(t, 5*time.Second, c.backoff(0, 5*time.Second))
}

// A storm of 429s from a server enforcing a per-user quota is absorbed:
// the sync completes.
func TestRateLimitStormAbsorbed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{UserQuota: 60, QuotaWindow: time.Second}, func(c *Config) {
		c.BatchSize, c.Concurrency, c.MaxRetries = 20, 10, 10
		c.RetryBase, c.RetryMax = 50*time.Millisecond, 400*time.Millisecond
	})
	f.insert(t, "m", 40)
	r := syncAll(t, f.c, "")
	require.Len(t, r.messages, 40)
	require.Greater(t, f.srv.Calls("messages.get"), 40, "the server did throttle")
}

// With a Quota (here package ratelimit's, in memory) the connector
// stays under the user's quota: the server never has to refuse a call.
func TestQuotaKeepsUnderTheServerQuota(t *testing.T) {
	t.Parallel()
	const window = 500 * time.Millisecond
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	require.NoError(t, err)
	q := ratelimit.GmailUserQuota()
	// A GCRA limit admits Burst at once plus Rate per Period: within any
	// window of one Period at most Burst + Rate units.
	q.Limit = ratelimit.Limit{Name: "gmail-user", Rate: 50, Burst: 50, Period: window}
	f := newFixture(t, gmailtest.Options{UserQuota: 100, QuotaWindow: window}, func(c *Config) {
		c.BatchSize = 20
		c.Quota = QuotaFunc(func(ctx context.Context, user, method string) error {
			return q.Wait(ctx, lim, "gmail:"+user, method)
		})
	})
	f.insert(t, "m", 40)
	r := syncAll(t, f.c, "")
	require.Len(t, r.messages, 40)
	require.Equal(t, 40, f.srv.Calls("messages.get"), "no call was refused and retried")
	require.LessOrEqual(t, f.srv.MaxUnitsPerWindow(testUser), 100)
	require.Equal(t, 1+2*5+40*5, f.srv.Units(testUser))
}

// Every call asks the Quota first, under its API method name; a refusal
// fails the call as ErrRateLimited without sending it.
func TestQuotaAskedPerCall(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var methods []string
	refuse := false
	f := newFixture(t, gmailtest.Options{}, func(c *Config) {
		c.Quota = QuotaFunc(func(_ context.Context, user, method string) error {
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, testUser, user)
			if refuse {
				return errors.New("over quota")
			}
			methods = append(methods, method)
			return nil
		})
	})
	f.insert(t, "m", 2)
	syncAll(t, f.c, "")
	require.ElementsMatch(t, []string{"users.getProfile", "messages.list", "messages.get", "messages.get"}, methods)
	mu.Lock()
	refuse = true
	mu.Unlock()
	calls := f.srv.Calls("users.getProfile")
	require.ErrorIs(t, f.c.Test(context.Background()), connector.ErrRateLimited)
	require.Equal(t, calls, f.srv.Calls("users.getProfile"))
}
