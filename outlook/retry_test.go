package outlook

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// Kiota's retry handler retries a 429 after the server's Retry-After.
func TestRetryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, func(c *Config) { c.MaxRetries = 2 })
	f.srv.InjectFault(outlooktest.Fault{Op: "me", Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	start := time.Now()
	require.NoError(t, f.c.Test(context.Background()))
	require.GreaterOrEqual(t, time.Since(start), time.Second, "the retry waited for Retry-After")
	require.Equal(t, 2, f.srv.Calls("me"))
}

// 503 and 504 are retried too; once retries run out the error is
// returned with its kind.
func TestRetryGivesUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, func(c *Config) { c.MaxRetries = 2 })
	f.srv.InjectFault(outlooktest.Fault{Op: "me", Status: http.StatusServiceUnavailable, Times: -1})
	err := f.c.Test(context.Background())
	require.ErrorIs(t, err, connector.ErrTemporary)
	require.Equal(t, 3, f.srv.Calls("me"), "one call and two retries")
}

// A send is retried after a 429 (refused before anything happened) but
// not after a 503, whose outcome is unknown.
func TestRetrySendOnlyThrottled(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, func(c *Config) { c.MaxRetries = 2 })
	f.srv.InjectFault(outlooktest.Fault{Op: "sendMail", Status: http.StatusTooManyRequests})
	_, err := f.c.Send(context.Background(), outbound("retry-1@contoso.example"))
	require.NoError(t, err)
	require.Equal(t, 2, f.srv.Calls("sendMail"))
	require.Len(t, f.mb.Sent(), 1)

	f.srv.InjectFault(outlooktest.Fault{Op: "sendMail", Status: http.StatusServiceUnavailable})
	_, err = f.c.Send(context.Background(), outbound("retry-2@contoso.example"))
	require.ErrorIs(t, err, connector.ErrTemporary)
	require.Equal(t, 3, f.srv.Calls("sendMail"))
}

// A token Graph rejects before its expiry is refreshed once (and the
// new token saved) and the call repeated; a second 401 is ErrAuth.
func TestUnauthorizedRefreshesOnce(t *testing.T) {
	t.Parallel()
	srv := outlooktest.NewServer(outlooktest.Options{})
	t.Cleanup(srv.Close)
	srv.AddUser(testUser)
	tok := srv.IssueToken(testUser)
	var saved atomic.Int32
	cc := connector.Config{
		Credentials:     connector.Credentials{OAuth2: tok},
		SaveCredentials: func(context.Context, connector.Credentials) error { saved.Add(1); return nil },
	}
	src := TokenSource(context.Background(), srv.OAuthConfig("https://app.example/cb"), cc)
	c := newConnector(t, Config{Email: testUser, TokenSource: src, Endpoint: srv.Endpoint(), MaxRetries: -1})
	srv.ExpireToken(tok.AccessToken)
	require.NoError(t, c.Test(context.Background()))
	require.EqualValues(t, 1, saved.Load(), "the refreshed token was saved")
	require.Equal(t, 1, srv.Calls("oauth2.token"))

	srv.RevokeGrant(testUser)
	err := c.Test(context.Background())
	require.ErrorIs(t, err, connector.ErrAuth)
}

// At most MaxConcurrency requests are in flight at once, and a Limiter
// sees every request.
func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	var admitted atomic.Int32
	lim := LimiterFunc(func(_ context.Context, mailbox string) (func(), error) {
		require.Equal(t, testUser, mailbox)
		admitted.Add(1)
		return func() {}, nil
	})
	f := newFixture(t, outlooktest.Options{}, func(c *Config) {
		c.BatchSize, c.MaxConcurrency, c.Limiter = 20, 4, lim
	})
	f.insert(t, "", "m", 20)
	f.srv.InjectFault(outlooktest.Fault{Op: "messages.value", Delay: 20 * time.Millisecond, Times: -1})
	syncAll(t, f.c, "")
	require.Equal(t, 4, f.srv.PeakConcurrency(testUser), "Graph allows 4 concurrent requests per mailbox")
	require.EqualValues(t, len(f.srv.Requests("")), admitted.Load())
}

// A Limiter that refuses fails the call as rate-limited.
func TestLimiterRefusal(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, func(c *Config) {
		c.Limiter = LimiterFunc(func(context.Context, string) (func(), error) { return nil, context.DeadlineExceeded })
	})
	err := f.c.Test(context.Background())
	require.ErrorIs(t, err, connector.ErrRateLimited)
	require.Zero(t, f.srv.Calls("me"))
}
