package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/signin"
	"github.com/ucsp/integration/outlook/outlooktest"
	"github.com/ucsp/integration/store"
)

// outlookEnv is an App wired to an outlooktest fake (identity platform
// and Graph, which performs the validation handshake and posts
// notifications to the App), serving on loopback, delivering events to
// a receiver, with its clock in the test's hands.
type outlookEnv struct {
	t     *testing.T
	app   *App
	base  string
	fake  *outlooktest.Server
	rc    *receiver
	token string

	mu  sync.Mutex
	now time.Time
}

func newOutlookEnv(t *testing.T, opts outlooktest.Options) *outlookEnv {
	t.Helper()
	e := &outlookEnv{t: t, now: time.Now()}
	opts.AllowHTTPNotificationURLs, opts.Now = true, e.clock
	e.fake = outlooktest.NewServer(opts)
	t.Cleanup(e.fake.Close)
	e.rc = newReceiver(t)
	return e
}

// start serves a new App on the env's fake and receiver with extra
// configuration (a database, say), stopped when the test ends or stop
// is called.
func (e *outlookEnv) start(extra map[string]string) (stop func()) {
	t := e.t
	t.Helper()
	ep := e.fake.OAuthEndpoint("common")
	env := map[string]string{
		"JWT_SECRET": testSecret, "LOG_LEVEL": "error",
		"MICROSOFT_CLIENT_ID": "outlooktest-client", "MICROSOFT_CLIENT_SECRET": "outlooktest-secret",
		"MICROSOFT_AUTH_URL": ep.AuthURL, "MICROSOFT_TOKEN_URL": ep.TokenURL, "GRAPH_API_URL": e.fake.Endpoint(),
		"EVENTS_WEBHOOK_URL": e.rc.srv.URL + "/events", "EVENTS_WEBHOOK_SECRET": e.rc.secret,
		"SYNC_SWEEP_INTERVAL": "9999h", "HEALTH_CHECK_INTERVAL": "9999h", "WATCH_RENEW_INTERVAL": "9999h", "TOKEN_REFRESH_INTERVAL": "9999h",
	}
	for k, v := range extra {
		env[k] = v
	}
	e.app, e.base, stop = serveApp(t, env, Options{}, func(a *App) { a.clock = e.clock })
	var err error
	e.token, err = NewToken([]byte(testSecret), "tenant-outlook", "test", "", time.Hour)
	require.NoError(t, err)
	return stop
}

func (e *outlookEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

// connect signs addr in through /auth/microsoft/* and returns the new
// integration's id.
func (e *outlookEnv) connect(addr string) string {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.base+"/auth/microsoft/authorize?name=Support&email="+url.QueryEscape(addr), nil)
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	var started signin.Started
	require.NoError(e.t, json.NewDecoder(resp.Body).Decode(&started))
	_ = resp.Body.Close()
	u, err := url.Parse(started.URL)
	require.NoError(e.t, err)
	require.Equal(e.t, "S256", u.Query().Get("code_challenge_method"))
	require.Contains(e.t, u.Query().Get("scope"), "offline_access")
	resp, err = noRedirects.Get(started.URL)
	require.NoError(e.t, err)
	_ = resp.Body.Close()
	require.Equal(e.t, http.StatusFound, resp.StatusCode)
	resp, err = noRedirects.Get(resp.Header.Get("Location"))
	require.NoError(e.t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(e.t, http.StatusCreated, resp.StatusCode, "%s", body)
	var v struct{ ID, Provider string }
	require.NoError(e.t, json.Unmarshal(body, &v))
	require.Equal(e.t, "outlook", v.Provider)
	return v.ID
}

func (e *outlookEnv) waitMessages(id string, n int) {
	e.t.Helper()
	require.Eventually(e.t, func() bool {
		page, err := e.app.store.ListMessages(context.Background(), "tenant-outlook", id, store.ListMessagesOptions{ListOptions: store.ListOptions{Limit: 100}})
		return err == nil && len(page.Items) == n
	}, 10*time.Second, 20*time.Millisecond, "waiting for %d messages", n)
}

// settledCalls returns the fake's count of op calls once it has not
// moved for half a second (syncs started earlier have ended).
func (e *outlookEnv) settledCalls(op string) int {
	e.t.Helper()
	n := e.fake.Calls(op)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		m := e.fake.Calls(op)
		if m == n {
			return n
		}
		n = m
	}
	e.t.Fatalf("%s calls did not settle", op)
	return n
}

func (e *outlookEnv) subscription(id string) *store.Subscription {
	e.t.Helper()
	sub, err := e.app.store.GetSubscription(context.Background(), "tenant-outlook", id)
	require.NoError(e.t, err)
	return sub
}

func outlookMail(n int) []byte {
	return fmt.Appendf(nil, "From: Ann <ann@example.org>\r\nTo: support@contoso.com\r\nSubject: Case %d\r\nMessage-ID: <case-%d@example.org>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nCase %d, please.\r\n", n, n, n)
}

// TestOutlookEndToEnd: sign-in → integration and Graph subscription
// (the fake's validation handshake against the running server) → first
// delta sync (the mailbox's history stored, not announced: one
// sync.backfill_completed) → a new message's change notification, with
// the right clientState, syncs it → events out, one per new message; a notification
// with a wrong clientState is refused and syncs nothing; a lost delta
// token (410) resyncs with nothing stored or announced twice;
// subscriptionRemoved leads to a new subscription, reauthorizationRequired
// to a reauthorize call; a day on, the renewal job extends the
// subscription.
func TestOutlookEndToEnd(t *testing.T) {
	t.Parallel()
	const addr = "support@contoso.com"
	e := newOutlookEnv(t, outlooktest.Options{})
	e.start(nil)
	mb := e.fake.AddUser(addr)
	// The mailbox's history: received a minute before the sign-in.
	e.mu.Lock()
	e.now = e.now.Add(-time.Minute)
	e.mu.Unlock()
	for i := 1; i <= 2; i++ {
		_, err := mb.Insert(outlookMail(i), outlooktest.Inbox)
		require.NoError(t, err)
	}
	e.mu.Lock()
	e.now = e.now.Add(time.Minute)
	e.mu.Unlock()
	id := e.connect(addr)
	subs := e.fake.Subscriptions(addr)
	require.Len(t, subs, 1, "the callback creates the subscription")
	require.Equal(t, e.base+"/webhooks/microsoft", subs[0].NotificationURL)
	require.Equal(t, e.base+"/webhooks/microsoft/lifecycle", subs[0].LifecycleNotificationURL)
	sub := e.subscription(id)
	require.Equal(t, subs[0].ID, sub.ID)
	require.Equal(t, subs[0].ClientState, sub.ClientState)
	require.GreaterOrEqual(t, len(sub.ClientState), 32)
	e.waitMessages(id, 2)

	// A new message: Graph notifies, the server syncs.
	_, err := mb.Insert(outlookMail(3), outlooktest.Inbox)
	require.NoError(t, err)
	e.waitMessages(id, 3)

	// A forged notification: wrong clientState, refused, nothing synced.
	deltas := e.settledCalls("delta")
	forged := fmt.Sprintf(`{"value":[{"subscriptionId":%q,"clientState":"not-the-secret","changeType":"created","resource":"Users/x/Messages/y"}]}`, sub.ID)
	resp, err := http.Post(e.base+"/webhooks/microsoft", "application/json", strings.NewReader(forged))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, deltas, e.fake.Calls("delta"), "a refused notification syncs nothing")

	// The delta token is lost: 410, a full resync, nothing twice.
	mb.ExpireDeltaTokens()
	_, err = mb.Insert(outlookMail(4), outlooktest.Inbox)
	require.NoError(t, err)
	e.waitMessages(id, 4)
	require.Eventually(t, func() bool { return e.rc.count("message.received") == 2 }, 10*time.Second, 20*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, 2, e.rc.count("message.received"), "each new message announced once, the history never")
	require.Equal(t, 1, e.rc.count("sync.backfill_completed"))

	// Graph removed the subscription: a new one is made.
	old := sub.ID
	e.fake.RemoveSubscription(old)
	_, err = e.fake.SendLifecycleEvent(context.Background(), old, "subscriptionRemoved")
	require.Error(t, err, "the fake can no longer reach a removed subscription's URL")
	require.Equal(t, http.StatusAccepted, postLifecycle(t, e.base, old, sub.ClientState, "subscriptionRemoved"))
	require.Eventually(t, func() bool {
		s := e.fake.Subscriptions(addr)
		stored, err := e.app.store.GetSubscription(context.Background(), "tenant-outlook", id)
		return len(s) == 1 && s[0].ID != old && err == nil && stored.ID == s[0].ID
	}, 10*time.Second, 20*time.Millisecond, "a new subscription, at Graph and in the store")
	sub = e.subscription(id)
	require.NotEqual(t, old, sub.ID)

	// reauthorizationRequired: the server reauthorizes.
	code, err := e.fake.SendLifecycleEvent(context.Background(), sub.ID, "reauthorizationRequired")
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, code)
	require.Eventually(t, func() bool {
		s := e.fake.Subscriptions(addr)
		return len(s) == 1 && s[0].Reauthorized == 1
	}, 10*time.Second, 20*time.Millisecond, "reauthorized")

	// A day on, the renewal job extends the subscription (PATCH).
	before := e.fake.Subscriptions(addr)[0].ExpirationDateTime
	e.mu.Lock()
	e.now = e.now.Add(25 * time.Hour)
	e.mu.Unlock()
	n, err := e.app.push.Renew(context.Background(), e.clock())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, 1, e.fake.Calls("subscriptions.update"))
	after := e.fake.Subscriptions(addr)[0].ExpirationDateTime
	require.True(t, after.After(before.Add(24*time.Hour)), "extended by a day or more: %s → %s", before, after)
	require.WithinDuration(t, after, e.subscription(id).Expiry, time.Second)
	require.LessOrEqual(t, e.fake.PeakConcurrency(addr), 4, "Graph's 4 concurrent requests per mailbox")

	// Deleting the integration deletes its subscription at Graph.
	req, err := http.NewRequest(http.MethodDelete, e.base+"/api/v1/integrations/"+id, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Empty(t, e.fake.Subscriptions(addr))
}

// TestOutlookRefreshTokenAcrossRestart (production mode): Microsoft
// rotates the refresh token on every use (the fake revokes the used
// one); a process whose access token Graph rejects refreshes and saves
// the new refresh token, and after a restart the next process, whose
// access token is rejected too, refreshes with that saved token.
func TestOutlookRefreshTokenAcrossRestart(t *testing.T) {
	t.Parallel()
	const addr = "support@contoso.com"
	env := productionTestEnv(t)
	e := newOutlookEnv(t, outlooktest.Options{RevokeUsedRefreshTokens: true})
	stop := e.start(env)
	mb := e.fake.AddUser(addr)
	id := e.connect(addr)
	creds := func() (string, string) {
		c, err := e.app.store.Credentials(context.Background(), "tenant-outlook", id)
		require.NoError(t, err)
		return c.OAuth2.AccessToken, c.OAuth2.RefreshToken
	}
	for round := 1; round <= 2; round++ {
		access, refresh := creds()
		e.fake.ExpireToken(access)
		_, err := mb.Insert(outlookMail(10+round), outlooktest.Inbox)
		require.NoError(t, err)
		if round == 2 {
			// The new process listens elsewhere than the subscription's
			// URL (a test's port, not a deployment's public URL): its
			// sync is asked for directly.
			_, err = e.app.syncs.Trigger(context.Background(), "tenant-outlook", id)
			require.NoError(t, err)
		}
		e.waitMessages(id, round)
		_, rotated := creds()
		require.NotEqual(t, refresh, rotated, "round %d: the rotated refresh token is saved", round)
		require.False(t, e.fake.RefreshTokenValid(refresh))
		require.True(t, e.fake.RefreshTokenValid(rotated))
		if round == 1 {
			stop()
			e.start(env) // the next round runs in a new process
		}
	}
	in, err := e.app.store.GetIntegration(context.Background(), "tenant-outlook", id)
	require.NoError(t, err)
	require.Equal(t, store.StatusActive, in.Status)
}

// postLifecycle posts a lifecycle notification as Graph does and
// returns the status.
func postLifecycle(t *testing.T, base, subID, clientState, event string) int {
	t.Helper()
	body := fmt.Sprintf(`{"value":[{"subscriptionId":%q,"clientState":%q,"lifecycleEvent":%q,"resource":"me/mailFolders('inbox')/messages","subscriptionExpirationDateTime":%q}]}`,
		subID, clientState, event, time.Now().Add(time.Hour).Format(time.RFC3339))
	resp, err := http.Post(base+"/webhooks/microsoft/lifecycle", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}
