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
	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook/pubsub/pubsubtest"
)

const (
	gmailTestTopic = "projects/ucsp-test/topics/gmail"
	gmailTestSA    = "gmail-push@ucsp-test.iam.gserviceaccount.com"
)

// gmailEnv is an App wired to a gmailtest fake (OAuth, Gmail API) and a
// pubsubtest issuer (push tokens), serving on loopback, delivering
// events to a receiver, with its clock in the test's hands.
type gmailEnv struct {
	t      *testing.T
	app    *App
	base   string
	fake   *gmailtest.Server
	issuer *pubsubtest.Issuer
	rc     *receiver
	token  string // a JWT of tenant-gmail

	mu  sync.Mutex
	now time.Time
}

func newGmailEnv(t *testing.T) *gmailEnv {
	t.Helper()
	e := &gmailEnv{t: t, now: time.Now()}
	e.fake = gmailtest.NewServer(gmailtest.Options{Now: e.clock, RotateRefreshTokens: true})
	t.Cleanup(e.fake.Close)
	e.issuer = pubsubtest.NewIssuer()
	e.rc = newReceiver(t)
	e.start(nil)
	return e
}

// start serves a new App on the env's fake, issuer and receiver, with
// extra configuration (a database, say), stopped when the test ends or
// stop is called.
func (e *gmailEnv) start(extra map[string]string) (stop func()) {
	t := e.t
	t.Helper()
	env := map[string]string{
		"JWT_SECRET": testSecret, "LOG_LEVEL": "error",
		"GOOGLE_CLIENT_ID": "gmailtest-client", "GOOGLE_CLIENT_SECRET": "gmailtest-secret",
		"GOOGLE_AUTH_URL": e.fake.OAuthEndpoint().AuthURL, "GOOGLE_TOKEN_URL": e.fake.OAuthEndpoint().TokenURL,
		"GOOGLE_ISSUER": e.fake.Issuer(), "GOOGLE_JWKS_URL": e.fake.JWKSURL(), "GOOGLE_REVOKE_URL": e.fake.RevokeURL(),
		"GMAIL_API_URL": e.fake.URL, "GMAIL_PUBSUB_TOPIC": gmailTestTopic, "GMAIL_PUSH_SERVICE_ACCOUNT": gmailTestSA,
		"EVENTS_WEBHOOK_URL": e.rc.srv.URL + "/events", "EVENTS_WEBHOOK_SECRET": e.rc.secret,
		// Periodic jobs would sync, renew or refresh on their own; the
		// tests run them.
		"SYNC_SWEEP_INTERVAL": "9999h", "HEALTH_CHECK_INTERVAL": "9999h", "WATCH_RENEW_INTERVAL": "9999h", "TOKEN_REFRESH_INTERVAL": "9999h",
	}
	for k, v := range extra {
		env[k] = v
	}
	e.app, e.base, stop = serveApp(t, env, Options{GoogleHTTPClient: e.issuer.HTTPClient()}, func(a *App) { a.clock = e.clock })
	var err error
	e.token, err = NewToken([]byte(testSecret), "tenant-gmail", "test", "", time.Hour)
	require.NoError(t, err)
	return stop
}

func (e *gmailEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *gmailEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize starts a sign-in as the API client would and returns the
// URL of Google's consent screen.
func (e *gmailEnv) authorize(query string) string {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.base+"/auth/google/authorize?"+query, nil)
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	require.Equal(e.t, http.StatusOK, resp.StatusCode)
	var started signin.Started
	require.NoError(e.t, json.NewDecoder(resp.Body).Decode(&started))
	require.WithinDuration(e.t, time.Now().Add(signin.DefaultStateTTL), started.ExpiresAt, time.Minute)
	return started.URL
}

// consent follows Google's consent screen and returns the callback URL
// it redirects to.
func (e *gmailEnv) consent(authURL string) string {
	e.t.Helper()
	u, err := url.Parse(authURL)
	require.NoError(e.t, err)
	q := u.Query()
	require.Equal(e.t, "S256", q.Get("code_challenge_method"))
	require.NotEmpty(e.t, q.Get("code_challenge"))
	require.Equal(e.t, "offline", q.Get("access_type"))
	require.Equal(e.t, e.base+"/auth/google/callback", q.Get("redirect_uri"))
	require.Subset(e.t, strings.Fields(q.Get("scope")), []string{"openid", "email"}, "the id_token names the account")
	require.NotEmpty(e.t, q.Get("nonce"))
	require.NotEmpty(e.t, q.Get("login_hint"), "the mailbox the tenant stated")
	resp, err := noRedirects.Get(authURL)
	require.NoError(e.t, err)
	_ = resp.Body.Close()
	require.Equal(e.t, http.StatusFound, resp.StatusCode)
	return resp.Header.Get("Location")
}

// get returns the status and body of a GET.
func (e *gmailEnv) get(u string) (int, []byte) {
	e.t.Helper()
	resp, err := noRedirects.Get(u)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp.StatusCode, b
}

// push posts a Gmail notification for mb as Pub/Sub would, with a
// token for audience, and returns the status.
func (e *gmailEnv) push(mb *gmailtest.Mailbox, messageID, token string) int {
	e.t.Helper()
	data := fmt.Sprintf(`{"emailAddress":%q,"historyId":%d}`, mb.Email(), mb.HistoryID())
	body := pubsubtest.PushBody("projects/ucsp-test/subscriptions/gmail-push", messageID, []byte(data), nil)
	resp, err := http.DefaultClient.Do(pubsubtest.NewPushRequest(e.base+"/webhooks/gmail", token, body))
	require.NoError(e.t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func (e *gmailEnv) integrations() []*store.Integration {
	e.t.Helper()
	page, err := e.app.store.ListIntegrations(context.Background(), "tenant-gmail", store.ListIntegrationsOptions{})
	require.NoError(e.t, err)
	return page.Items
}

func (e *gmailEnv) waitMessages(id string, n int) {
	e.t.Helper()
	require.Eventually(e.t, func() bool {
		page, err := e.app.store.ListMessages(context.Background(), "tenant-gmail", id, store.ListMessagesOptions{ListOptions: store.ListOptions{Limit: 100}})
		return err == nil && len(page.Items) == n
	}, 10*time.Second, 20*time.Millisecond, "waiting for %d messages", n)
}

func testMail(n int) []byte {
	return fmt.Appendf(nil, "From: Ann <ann@example.org>\r\nTo: support@example.com\r\nSubject: Order %d\r\nMessage-ID: <order-%d@example.org>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nWhere is order %d?\r\n", n, n, n)
}

// TestGmailEndToEnd: authorize → consent → callback creates the
// integration with sealed tokens and starts its watch → the first sync
// stores the mailbox, its history, without announcing it (one
// sync.backfill_completed) → a verified push of a new message syncs it
// → its message.received reaches the platform, once. The
// state is single-use; a push with a token for another audience is
// refused and enqueues nothing.
func TestGmailEndToEnd(t *testing.T) {
	t.Parallel()
	e := newGmailEnv(t)
	mb := e.fake.AddUser("support@example.com")
	for i := 1; i <= 3; i++ {
		_, err := mb.Insert(testMail(i), "INBOX")
		require.NoError(t, err)
	}

	callback := e.consent(e.authorize("name=Support&email=support@example.com"))
	status, body := e.get(callback)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var view struct {
		ID       string `json:"id"`
		Provider string `json:"provider"`
		Name     string `json:"name"`
	}
	require.NoError(t, json.Unmarshal(body, &view))
	require.Equal(t, "gmail", view.Provider)
	require.Equal(t, "Support", view.Name)
	require.NotContains(t, string(body), "refresh", "no token in the answer")

	creds, err := e.app.store.Credentials(context.Background(), "tenant-gmail", view.ID)
	require.NoError(t, err)
	require.NotNil(t, creds.OAuth2)
	require.True(t, e.fake.RefreshTokenValid(creds.OAuth2.RefreshToken))
	w := mb.Watch()
	require.NotNil(t, w, "the callback starts the watch")
	require.Equal(t, gmailTestTopic, w.Topic)
	sub, err := e.app.store.GetSubscription(context.Background(), "tenant-gmail", view.ID)
	require.NoError(t, err)
	require.Equal(t, "support@example.com", sub.Address)
	require.WithinDuration(t, w.Expiration, sub.Expiry, time.Second)
	e.waitMessages(view.ID, 3)
	n, err := e.app.tokens.RefreshDue(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "a token valid for an hour is not refreshed ahead")

	// The same callback again: the state is spent; nothing new.
	status, body = e.get(callback)
	require.Equal(t, http.StatusBadRequest, status, "%s", body)
	require.Contains(t, string(body), probOAuthState)
	require.Len(t, e.integrations(), 1)

	// A new message, announced by a verified push.
	_, err = mb.Insert(testMail(4), "INBOX")
	require.NoError(t, err)
	rogue := e.issuer.Token(gmailTestSA, "https://elsewhere.example/webhooks/gmail")
	require.Equal(t, http.StatusForbidden, e.push(mb, "pm-0", rogue))
	require.Equal(t, http.StatusUnauthorized, e.push(mb, "pm-0", "not-a-token"))
	time.Sleep(300 * time.Millisecond)
	page, err := e.app.store.ListMessages(context.Background(), "tenant-gmail", view.ID, store.ListMessagesOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, 3, "a refused push syncs nothing")

	tok := e.issuer.Token(gmailTestSA, e.base+"/webhooks/gmail")
	require.Equal(t, http.StatusNoContent, e.push(mb, "pm-1", tok))
	e.waitMessages(view.ID, 4)
	require.Equal(t, http.StatusNoContent, e.push(mb, "pm-1", tok), "a redelivered push is acknowledged")

	// The new message announced once, signed (the receiver verifies);
	// the history never, its end once.
	require.Eventually(t, func() bool { return e.rc.count("message.received") == 1 }, 10*time.Second, 20*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	require.Equal(t, 1, e.rc.count("message.received"))
	require.Equal(t, 1, e.rc.count("sync.backfill_completed"))
}

// TestGmailCallbackFailures: a denied consent, an unknown state and a
// refused code each answer a problem and create nothing.
func TestGmailCallbackFailures(t *testing.T) {
	t.Parallel()
	e := newGmailEnv(t)
	e.fake.AddUser("support@example.com")

	e.fake.SetConsent("support@example.com", true)
	callback := e.consent(e.authorize("email=support@example.com"))
	require.Contains(t, callback, "error=access_denied")
	status, body := e.get(callback)
	require.Equal(t, http.StatusForbidden, status, "%s", body)
	require.Contains(t, string(body), probOAuthDenied)

	e.fake.SetConsent("support@example.com", false)
	callback = e.consent(e.authorize("email=support@example.com"))
	u, err := url.Parse(callback)
	require.NoError(t, err)
	q := u.Query()
	bad := *u
	bq := url.Values{"state": {"forged-state"}, "code": {q.Get("code")}}
	bad.RawQuery = bq.Encode()
	status, body = e.get(bad.String())
	require.Equal(t, http.StatusBadRequest, status, "%s", body)
	require.Contains(t, string(body), probOAuthState)

	q.Set("code", "a-code-google-never-issued")
	u.RawQuery = q.Encode()
	status, body = e.get(u.String())
	require.Equal(t, http.StatusBadRequest, status, "%s", body)
	require.Contains(t, string(body), probOAuthExchange)

	// A state used 11 minutes after it was made has expired.
	callback = e.consent(e.authorize("email=support@example.com"))
	e.advance(11 * time.Minute)
	status, body = e.get(callback)
	require.Equal(t, http.StatusBadRequest, status, "%s", body)
	require.Contains(t, string(body), probOAuthState)
	require.Empty(t, e.integrations())
}

// TestGmailWatchRenewal: a day on, the renewal job re-creates every
// gmail integration's watch before it expires; one whose watch call is
// refused with 401 ends needs_reauth.
func TestGmailWatchRenewal(t *testing.T) {
	t.Parallel()
	e := newGmailEnv(t)
	addrs := []string{"a@example.com", "b@example.com", "c@example.com"}
	ids := map[string]string{}
	for _, addr := range addrs {
		e.fake.AddUser(addr)
		e.fake.SetConsent(addr, false)
		status, body := e.get(e.consent(e.authorize("email=" + addr)))
		require.Equal(t, http.StatusCreated, status, "%s", body)
		var v struct{ ID string }
		require.NoError(t, json.Unmarshal(body, &v))
		ids[addr] = v.ID
	}
	first := map[string]time.Time{}
	for _, addr := range addrs {
		w := e.fake.Mailbox(addr).Watch()
		require.NotNil(t, w)
		first[addr] = w.Expiration
	}

	// Not yet due: nothing renewed.
	n, err := e.app.push.Renew(context.Background(), e.clock())
	require.NoError(t, err)
	require.Zero(t, n)

	e.advance(25 * time.Hour)
	e.fake.InjectFault(gmailtest.Fault{Method: "users.watch", User: "c@example.com", Status: http.StatusUnauthorized, Times: -1})
	n, err = e.app.push.Renew(context.Background(), e.clock())
	require.NoError(t, err)
	require.Equal(t, 2, n)
	for _, addr := range addrs[:2] {
		w := e.fake.Mailbox(addr).Watch()
		require.Equal(t, 2, w.Calls, addr)
		require.True(t, w.Expiration.After(first[addr]), "%s renewed", addr)
		require.True(t, w.Expiration.After(e.clock().Add(6*24*time.Hour)), "%s: a fresh 7-day watch", addr)
		sub, err := e.app.store.GetSubscription(context.Background(), "tenant-gmail", ids[addr])
		require.NoError(t, err)
		require.WithinDuration(t, w.Expiration, sub.Expiry, time.Second)
	}
	in, err := e.app.store.GetIntegration(context.Background(), "tenant-gmail", ids["c@example.com"])
	require.NoError(t, err)
	require.Equal(t, store.StatusNeedsReauth, in.Status)
	require.True(t, strings.Contains(in.LastError, "watch"), in.LastError)
}

// count returns how many distinct events of typ the receiver got.
func (rc *receiver) count(typ string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, b := range rc.bodies {
		var env struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(b, &env) == nil && env.Type == typ {
			n++
		}
	}
	return n
}
