package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/webhook/pubsub/pubsubtest"
)

// productionTestEnv is the configuration of production mode on a
// PostgreSQL schema and a Redis key prefix of the test's own (removed
// when it ends); the test is skipped without TEST_DATABASE_URL and
// TEST_REDIS_URL.
func productionTestEnv(t *testing.T) map[string]string {
	t.Helper()
	redisURL, prefix := redistest.Prefix(t, "srvt")
	return map[string]string{
		"DATABASE_URL": pgtest.URL(t), "DATABASE_MAX_CONNS": "4",
		"REDIS_URL": redisURL, "REDIS_KEY_PREFIX": prefix,
		"ENCRYPTION_KEYS": "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	}
}

// connect signs mailbox addr in through the App and returns the new
// integration's id.
func (e *gmailEnv) connect(addr string) string {
	e.t.Helper()
	e.fake.SetConsent(addr, false)
	status, body := e.get(e.consent(e.authorize("email=" + addr)))
	require.Equal(e.t, http.StatusCreated, status, "%s", body)
	var v struct{ ID string }
	require.NoError(e.t, json.Unmarshal(body, &v))
	return v.ID
}

func (e *gmailEnv) refreshTokenOf(id string) string {
	e.t.Helper()
	creds, err := e.app.store.Credentials(context.Background(), "tenant-gmail", id)
	require.NoError(e.t, err)
	require.NotNil(e.t, creds.OAuth2)
	return creds.OAuth2.RefreshToken
}

// newTokenEnv is a gmailEnv whose fake issues access tokens for 10
// minutes, so that every token is due for the refresh job (15 minutes
// ahead), and rotates refresh tokens.
func newTokenEnv(t *testing.T) *gmailEnv {
	t.Helper()
	e := &gmailEnv{t: t, now: time.Now()}
	e.fake = gmailtest.NewServer(gmailtest.Options{RotateRefreshTokens: true, AccessTokenTTL: 10 * time.Minute})
	t.Cleanup(e.fake.Close)
	e.issuer = pubsubtest.NewIssuer()
	e.rc = newReceiver(t)
	return e
}

func (e *gmailEnv) accessTokenOf(id string) string {
	e.t.Helper()
	creds, err := e.app.store.Credentials(context.Background(), "tenant-gmail", id)
	require.NoError(e.t, err)
	return creds.OAuth2.AccessToken
}

// refreshConcurrently replaces the access token old of integration id
// from each of apps at once, and checks they all end with one token.
func refreshConcurrently(t *testing.T, id, old string, apps ...*App) {
	t.Helper()
	got := make([]string, len(apps))
	var wg sync.WaitGroup
	for i, app := range apps {
		wg.Go(func() {
			tok, err := app.tokens.Refresh(context.Background(), providerGmail, "tenant-gmail", id, old)
			require.NoError(t, err)
			got[i] = tok.AccessToken
		})
	}
	wg.Wait()
	for _, g := range got {
		require.NotEqual(t, old, g)
		require.Equal(t, got[0], g, "every caller ends with the one new token")
	}
}

// TestGmailTokenRefreshAhead: the refresh job refreshes a token that
// expires within 15 minutes and saves the rotated refresh token (the
// old one is dead at Google: the fake rotates); many callers replacing
// the same token at once cause one refresh; the mailbox keeps syncing;
// a revoked grant ends the integration needs_reauth.
func TestGmailTokenRefreshAhead(t *testing.T) {
	t.Parallel()
	e := newTokenEnv(t)
	e.start(nil)
	mb := e.fake.AddUser("support@example.com")
	id := e.connect("support@example.com")
	first := e.refreshTokenOf(id)

	calls := e.fake.Calls("oauth2.token")
	n, err := e.app.tokens.RefreshDue(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, calls+1, e.fake.Calls("oauth2.token"))
	second := e.refreshTokenOf(id)
	require.NotEqual(t, first, second, "the rotated refresh token is saved")
	require.False(t, e.fake.RefreshTokenValid(first))
	require.True(t, e.fake.RefreshTokenValid(second))

	calls = e.fake.Calls("oauth2.token")
	refreshConcurrently(t, id, e.accessTokenOf(id), e.app, e.app, e.app, e.app, e.app, e.app, e.app, e.app)
	require.Equal(t, calls+1, e.fake.Calls("oauth2.token"), "one refresh for eight callers")
	require.True(t, e.fake.RefreshTokenValid(e.refreshTokenOf(id)))

	_, err = mb.Insert(testMail(1), "INBOX")
	require.NoError(t, err)
	_, err = e.app.syncs.Trigger(context.Background(), "tenant-gmail", id)
	require.NoError(t, err)
	e.waitMessages(id, 1)

	e.fake.RevokeGrant("support@example.com")
	_, err = e.app.tokens.RefreshDue(context.Background())
	require.NoError(t, err)
	in, err := e.app.store.GetIntegration(context.Background(), "tenant-gmail", id)
	require.NoError(t, err)
	require.Equal(t, store.StatusNeedsReauth, in.Status)
}

// TestGmailTokensAcrossProcesses (production mode): two processes on
// one database and Redis replace the same token at once and Google sees
// one refresh (the lock is in Redis); after both stop, a new process
// whose access token Google rejects refreshes with the rotated refresh
// token its predecessors saved, and syncs.
func TestGmailTokensAcrossProcesses(t *testing.T) {
	t.Parallel()
	env := productionTestEnv(t)
	e := newTokenEnv(t)
	stopA := e.start(env)
	a := e.app
	mb := e.fake.AddUser("support@example.com")
	id := e.connect("support@example.com")
	stopB := e.start(env)
	b := e.app

	calls := e.fake.Calls("oauth2.token")
	refreshConcurrently(t, id, e.accessTokenOf(id), a, b, a, b)
	require.Equal(t, calls+1, e.fake.Calls("oauth2.token"), "one refresh across the two processes")
	saved := e.refreshTokenOf(id)
	require.True(t, e.fake.RefreshTokenValid(saved))

	stopA()
	stopB()
	e.start(env)
	e.fake.ExpireToken(e.accessTokenOf(id)) // rejected with 401 from now on
	_, err := mb.Insert(testMail(1), "INBOX")
	require.NoError(t, err)
	_, err = e.app.syncs.Trigger(context.Background(), "tenant-gmail", id)
	require.NoError(t, err)
	e.waitMessages(id, 1)
	latest := e.refreshTokenOf(id)
	require.NotEqual(t, saved, latest, "the new process refreshed with the saved refresh token")
	require.True(t, e.fake.RefreshTokenValid(latest))
	in, err := e.app.store.GetIntegration(context.Background(), "tenant-gmail", id)
	require.NoError(t, err)
	require.Equal(t, store.StatusActive, in.Status)
}

// TestGmailQuotaThrottlingAndResync: a first sync of 60 messages through
// a storm of 429s (rateLimitExceeded, Retry-After) stores each once,
// and the fake never counts more units in any window than its quota
// (the server's GMAIL_USER_QUOTA keeps under it); after the mailbox's
// history expires, a push leads to a full resync that stores the new
// messages and nothing twice, and announces the new messages once and
// the history never.
func TestGmailQuotaThrottlingAndResync(t *testing.T) {
	t.Parallel()
	const user, quota = "support@example.com", 300
	e := &gmailEnv{t: t, now: time.Now()}
	// The fake counts units per 2-s window without refusing any, so
	// that a client over the quota shows in MaxUnitsPerWindow.
	e.fake = gmailtest.NewServer(gmailtest.Options{QuotaWindow: 2 * time.Second})
	t.Cleanup(e.fake.Close)
	e.issuer = pubsubtest.NewIssuer()
	e.rc = newReceiver(t)
	// Admits at most 100 + 100·2 = 300 units in any 2 s.
	e.start(map[string]string{"GMAIL_USER_QUOTA": "100/s burst=100"})
	mb := e.fake.AddUser(user)
	for i := range 60 {
		_, err := mb.Insert(testMail(100+i), "INBOX")
		require.NoError(t, err)
	}
	e.fake.InjectFault(gmailtest.Fault{Method: "messages.get", User: user, Status: http.StatusTooManyRequests,
		Reason: gmailtest.ReasonRateLimitExceeded, RetryAfter: time.Second, Times: 8})

	id := e.connect(user)
	e.waitMessages(id, 60)
	require.LessOrEqual(t, e.fake.MaxUnitsPerWindow(user), quota, "units in the busiest window")
	require.Eventually(t, func() bool { return e.rc.count("sync.backfill_completed") == 1 }, 10*time.Second, 20*time.Millisecond)
	require.Zero(t, e.rc.count("message.received"), "the history is not announced")

	mb.ExpireHistory()
	for i := range 2 {
		_, err := mb.Insert(testMail(200+i), "INBOX")
		require.NoError(t, err)
	}
	lists := e.fake.Calls("messages.list")
	require.Equal(t, http.StatusNoContent, e.push(mb, "pm-resync", e.issuer.Token(gmailTestSA, e.base+"/webhooks/gmail")))
	e.waitMessages(id, 62)
	require.Greater(t, e.fake.Calls("messages.list"), lists, "the expired history made a full resync")
	require.Eventually(t, func() bool { return e.rc.count("message.received") == 2 }, 10*time.Second, 20*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, 2, e.rc.count("message.received"), "the resync announces the new mail it finds, once, and nothing it re-finds")
	require.Equal(t, 1, e.rc.count("sync.backfill_completed"))
	require.LessOrEqual(t, e.fake.MaxUnitsPerWindow(user), quota)
}
