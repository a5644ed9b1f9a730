package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// The OAuth link hijack (issue 17, item 3): a tenant asked for a
// sign-in link and sent it to someone else, whose mailbox then landed in
// the tenant. A sign-in is now bound to the mailbox the tenant states,
// and the browser goes back only to an allowed return_url.

const (
	// bindingReturn is the allowed return URL (OAUTH_RETURN_URLS).
	bindingReturn = "https://app.example.com/oauth/done"
	// The mailboxes the tenant states, and the victims' accounts.
	bindingGoogle, victimGoogle       = "support@example.com", "victim@example.net"
	bindingMicrosoft, victimMicrosoft = "support@contoso.com", "victim@fabrikam.com"
)

// bindingEnv is the binary with Google and Microsoft fakes whose
// consent screens the test drives, and an allow-list of return URLs.
type bindingEnv struct {
	c      *apiClient
	google *gmailtest.Server
	ms     *outlooktest.Server
	tok    string
}

// googleFake starts a Gmail and Google OAuth fake (id_tokens, keys and
// revocation included) and points env's Google settings at it.
func googleFake(t *testing.T, env map[string]string) *gmailtest.Server {
	t.Helper()
	fake := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(fake.Close)
	ep := fake.OAuthEndpoint()
	env["GOOGLE_CLIENT_ID"], env["GOOGLE_CLIENT_SECRET"] = "gmailtest-client", "gmailtest-secret"
	env["GOOGLE_AUTH_URL"], env["GOOGLE_TOKEN_URL"], env["GMAIL_API_URL"] = ep.AuthURL, ep.TokenURL, fake.URL
	env["GOOGLE_ISSUER"], env["GOOGLE_JWKS_URL"], env["GOOGLE_REVOKE_URL"] = fake.Issuer(), fake.JWKSURL(), fake.RevokeURL()
	return fake
}

func startBinding(t *testing.T, env map[string]string) *bindingEnv {
	t.Helper()
	e := &bindingEnv{google: googleFake(t, env), tok: tokenFor(t, "tenant-binding")}
	e.ms = outlooktest.NewServer(outlooktest.Options{AllowHTTPNotificationURLs: true})
	t.Cleanup(e.ms.Close)
	ep := e.ms.OAuthEndpoint("common")
	env["MICROSOFT_CLIENT_ID"], env["MICROSOFT_CLIENT_SECRET"] = "outlooktest-client", "outlooktest-secret"
	env["MICROSOFT_AUTH_URL"], env["MICROSOFT_TOKEN_URL"], env["GRAPH_API_URL"] = ep.AuthURL, ep.TokenURL, e.ms.Endpoint()
	env["OAUTH_RETURN_URLS"] = bindingReturn + ", https://admin.example.org"
	for _, addr := range []string{bindingGoogle, victimGoogle} {
		e.google.AddUser(addr)
	}
	for _, addr := range []string{bindingMicrosoft, victimMicrosoft} {
		e.ms.AddUser(addr)
	}
	e.c = newClient(t, start(t, env).base)
	// The callback may send the browser to the return URL: read where.
	e.c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return e
}

// authorize asks for a sign-in link of provider with query (JSON).
func (e *bindingEnv) authorize(t *testing.T, provider, query string, invalid bool) *reply {
	t.Helper()
	return e.c.do(t, call{method: http.MethodGet, path: "/auth/" + provider + "/authorize?" + query, token: e.tok,
		header: map[string]string{"Accept": "application/json"}, invalid: invalid})
}

// signIn asks for a link with query, has account sign in at the fake
// provider, and returns the callback's answer.
func (e *bindingEnv) signIn(t *testing.T, provider, query, account string) *reply {
	t.Helper()
	return e.signInFor(t, e.tok, provider, query, account)
}

// signInFor is signIn for the tenant of tok.
func (e *bindingEnv) signInFor(t *testing.T, tok, provider, query, account string) *reply {
	t.Helper()
	r := e.c.do(t, call{method: http.MethodGet, path: "/auth/" + provider + "/authorize?" + query, token: tok,
		header: map[string]string{"Accept": "application/json"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var started struct {
		URL string `json:"url"`
	}
	r.decode(t, &started)
	link, err := url.Parse(started.URL)
	require.NoError(t, err)
	if q := link.Query(); q.Get("integration_id") == "" {
		require.NotEmpty(t, q.Get("login_hint"), "the stated mailbox pre-fills the sign-in")
	}
	if provider == "google" {
		e.google.SetConsent(account, false)
	} else {
		e.ms.SetConsent(account, false)
	}
	resp, err := e.c.hc.Get(started.URL)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "/auth/"+provider+"/callback", back.Path)
	return e.c.do(t, call{method: http.MethodGet, path: back.RequestURI()})
}

func (e *bindingEnv) integrations(t *testing.T, provider string) []integration {
	t.Helper()
	r := e.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations?provider=" + provider, token: e.tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var page integrationPage
	r.decode(t, &page)
	return page.Data
}

// TestOAuthBindingEmbedded runs the binding checks in embedded mode.
func TestOAuthBindingEmbedded(t *testing.T) {
	t.Parallel()
	runOAuthBinding(t, startBinding(t, baseEnv()))
}

// TestOAuthBindingProduction runs them in production mode (the state
// in PostgreSQL).
func TestOAuthBindingProduction(t *testing.T) {
	t.Parallel()
	runOAuthBinding(t, startBinding(t, productionEnv(t, baseEnv())))
}

func runOAuthBinding(t *testing.T, e *bindingEnv) {
	for _, st := range []struct {
		name string
		fn   func(*testing.T, *bindingEnv)
	}{
		{"the tenant states the mailbox", bindingStatesMailbox},
		{"google: another account creates nothing", bindingGoogleVictim},
		{"microsoft: another account creates nothing", bindingMicrosoftVictim},
		{"a return_url off the allow-list is refused", bindingReturnRefused},
		{"an allowed return_url receives the outcome", bindingReturnOutcome},
		{"deleting a gmail integration revokes its grant", bindingDeleteRevokes},
	} {
		if !t.Run(st.name, func(t *testing.T) { st.fn(t, e) }) {
			return
		}
	}
}

// bindingStatesMailbox: a link needs the mailbox (email) or the
// integration it reauthorizes.
func bindingStatesMailbox(t *testing.T, e *bindingEnv) {
	for _, provider := range []string{"google", "microsoft"} {
		for _, q := range []string{"name=Support", "email=", "email=%20", "email=not-an-address"} {
			p := e.authorize(t, provider, q, true).requireProblem(t, http.StatusBadRequest)
			require.Equal(t, []string{"email"}, p.fields(), "%s %s", provider, q)
		}
	}
}

// bindingGoogleVictim: the link is for the tenant's mailbox, the victim
// signs in: 403, no integration, no watch. The tokens it obtained are
// dropped, not revoked: the victim's grant, which another tenant's
// integration of the victim's mailbox holds, keeps working. A
// reauthorization link of an integration is bound to its address the
// same way.
func bindingGoogleVictim(t *testing.T, e *bindingEnv) {
	owner := tokenFor(t, "tenant-binding-victim")
	r := e.signInFor(t, owner, "google", "email="+victimGoogle, victimGoogle)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var victims integration
	r.decode(t, &victims)

	r = e.signIn(t, "google", "name=Support&email="+bindingGoogle, victimGoogle)
	p := r.requireProblem(t, http.StatusForbidden)
	require.Equal(t, "urn:ucsp:problem:oauth-mailbox-mismatch", p.Type)
	require.Empty(t, e.integrations(t, "gmail"), "the victim's mailbox is not connected")
	require.True(t, e.google.Authorized(victimGoogle), "the victim's grant, which the other tenant holds, is not revoked")
	r = e.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + victims.ID, token: owner})
	require.Equal(t, http.StatusOK, r.status)
	var still integration
	r.decode(t, &still)
	require.Equal(t, "active", still.Status)

	// The tenant's own mailbox connects; a reauthorization link of it
	// that the victim follows changes nothing.
	r = e.signIn(t, "google", "email="+bindingGoogle, bindingGoogle)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var in integration
	r.decode(t, &in)
	r = e.signIn(t, "google", "integration_id="+in.ID, victimGoogle)
	p = r.requireProblem(t, http.StatusForbidden)
	require.Equal(t, "urn:ucsp:problem:oauth-mailbox-mismatch", p.Type)
	require.True(t, e.google.Authorized(victimGoogle))
	require.True(t, e.google.Authorized(bindingGoogle), "the integration's own grant is untouched")
	all := e.integrations(t, "gmail")
	require.Len(t, all, 1)
	require.Equal(t, bindingGoogle, all[0].Config["email"])
	require.Equal(t, "active", all[0].Status)
	requireDeleted(t, e, in.ID)
	r = e.c.do(t, call{method: http.MethodDelete, path: "/api/v1/integrations/" + victims.ID, token: owner})
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	require.False(t, e.google.Authorized(victimGoogle), "the last integration of the victim's mailbox is gone: its grant is revoked")
}

// bindingMicrosoftVictim: the same with Microsoft, whose address is
// Graph's /me: 403, no integration, no Graph subscription.
func bindingMicrosoftVictim(t *testing.T, e *bindingEnv) {
	r := e.signIn(t, "microsoft", "email="+bindingMicrosoft, victimMicrosoft)
	p := r.requireProblem(t, http.StatusForbidden)
	require.Equal(t, "urn:ucsp:problem:oauth-mailbox-mismatch", p.Type)
	require.Empty(t, e.integrations(t, "outlook"), "the victim's mailbox is not connected")
	require.Empty(t, e.ms.Subscriptions(victimMicrosoft), "no subscription on the victim's mailbox")
}

// bindingReturnRefused: a return_url not under an allowed entry is 400
// at authorize, whatever trick it tries.
func bindingReturnRefused(t *testing.T, e *bindingEnv) {
	for _, ret := range []string{
		"https://evil.example/oauth/done",
		"https://app.example.com.evil.example/oauth/done",
		"https://app.example.com/oauth/donex",
		"https://app.example.com/oauth",
		"https://app.example.com/oauth/done/../../steal",
		"https://app.example.com/oauth/done/%2e%2e/steal",
		"http://app.example.com/oauth/done",
		"https://app.example.com:8443/oauth/done",
		"https://user@app.example.com/oauth/done",
		"//app.example.com/oauth/done",
		"javascript:alert(1)",
	} {
		for _, provider := range []string{"google", "microsoft"} {
			r := e.authorize(t, provider, "email="+bindingGoogle+"&return_url="+url.QueryEscape(ret), true)
			p := r.requireProblem(t, http.StatusBadRequest)
			require.Equal(t, []string{"return_url"}, p.fields(), "%s %s", provider, ret)
		}
	}
}

// bindingReturnOutcome: with an allowed return_url the browser goes
// back there (303) with the outcome, never a token: connected with the
// integration's id, or failed with the problem's code.
func bindingReturnOutcome(t *testing.T, e *bindingEnv) {
	for _, c := range []struct {
		provider, mailbox, account, status, errCode string
	}{
		{"google", bindingGoogle, bindingGoogle, "connected", ""},
		{"microsoft", bindingMicrosoft, bindingMicrosoft, "connected", ""},
		{"google", bindingGoogle, victimGoogle, "failed", "oauth-mailbox-mismatch"},
		{"microsoft", bindingMicrosoft, victimMicrosoft, "failed", "oauth-mailbox-mismatch"},
	} {
		ret := bindingReturn + "/" + c.provider + "?session=s1"
		r := e.signIn(t, c.provider, "email="+c.mailbox+"&return_url="+url.QueryEscape(ret), c.account)
		require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
		loc, err := url.Parse(r.header.Get("Location"))
		require.NoError(t, err)
		require.Equal(t, "https://app.example.com/oauth/done/"+c.provider, loc.Scheme+"://"+loc.Host+loc.Path)
		q := loc.Query()
		require.Equal(t, "s1", q.Get("session"), "the return URL's own query is kept")
		require.Equal(t, c.status, q.Get("status"))
		require.Equal(t, map[string]string{"google": "gmail", "microsoft": "outlook"}[c.provider], q.Get("provider"))
		require.Equal(t, c.errCode, q.Get("error"))
		for k := range q {
			require.Contains(t, []string{"session", "status", "provider", "integration_id", "error"}, k, "no other parameter (no token)")
		}
		for _, secret := range []string{"ya29.", "1//", "outlooktest"} {
			require.NotContains(t, loc.String(), secret)
		}
		all := e.integrations(t, map[string]string{"google": "gmail", "microsoft": "outlook"}[c.provider])
		if c.status == "connected" {
			require.Len(t, all, 1)
			require.Equal(t, all[0].ID, q.Get("integration_id"))
			require.Equal(t, c.mailbox, all[0].Config["email"])
			requireDeleted(t, e, all[0].ID)
		} else {
			require.Empty(t, q.Get("integration_id"))
			require.Empty(t, all, "a refused sign-in creates nothing")
		}
	}
}

// bindingDeleteRevokes: deleting a gmail integration revokes its grant
// at Google's revocation endpoint (the fake then refuses its tokens) —
// unless another integration of the same mailbox, here another
// tenant's, holds the grant still: then nothing is revoked until that
// one goes too.
func bindingDeleteRevokes(t *testing.T, e *bindingEnv) {
	other := tokenFor(t, "tenant-binding-2")
	r := e.signIn(t, "google", "email="+bindingGoogle, bindingGoogle)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var in integration
	r.decode(t, &in)
	r = e.signInFor(t, other, "google", "email="+bindingGoogle, bindingGoogle)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var in2 integration
	r.decode(t, &in2)
	require.True(t, e.google.Authorized(bindingGoogle))
	revocations := e.google.Calls("oauth2.revoke")
	requireDeleted(t, e, in.ID)
	require.Equal(t, revocations, e.google.Calls("oauth2.revoke"), "another tenant's integration holds the grant")
	require.True(t, e.google.Authorized(bindingGoogle))
	r = e.c.do(t, call{method: http.MethodDelete, path: "/api/v1/integrations/" + in2.ID, token: other})
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	require.Equal(t, revocations+1, e.google.Calls("oauth2.revoke"))
	require.False(t, e.google.Authorized(bindingGoogle), "the deleted integrations' tokens are revoked")
}

func requireDeleted(t *testing.T, e *bindingEnv, id string) {
	t.Helper()
	r := e.c.do(t, call{method: http.MethodDelete, path: "/api/v1/integrations/" + id, token: e.tok})
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
}

// TestGmailRedirectDropsToken: the Gmail API redirecting the binary's
// client to another host (here users.getProfile during a sign-in) gets
// the request there without the bearer token.
func TestGmailRedirectDropsToken(t *testing.T) {
	t.Parallel()
	env := baseEnv()
	fake := googleFake(t, env)
	fake.AddUser(bindingGoogle)
	rec := newAuthRecorder(t)
	env["GMAIL_API_URL"] = newRedirector(t, fake.URL, rec.srv.URL, "/profile").URL
	c := newClient(t, start(t, env).base)
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	e := &bindingEnv{c: c, google: fake, tok: tokenFor(t, "tenant-redirect")}

	r := e.signIn(t, "google", "email="+bindingGoogle, bindingGoogle)
	require.NotEqual(t, http.StatusCreated, r.status, "the other host refused the profile call: %s", r.body)
	seen := rec.seen()
	require.NotEmpty(t, seen, "the client followed the redirect")
	for _, auth := range seen {
		require.Empty(t, auth, "no bearer token reaches another host")
	}
	require.True(t, strings.HasPrefix(string(r.body), "{"), "a problem: %s", r.body)
}

// authRecorder is another host that records the Authorization header
// of each request and answers 401, as an API that does not know the
// caller would.
type authRecorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	auth []string
}

func newAuthRecorder(t *testing.T) *authRecorder {
	t.Helper()
	rec := &authRecorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.auth = append(rec.auth, r.Header.Get("Authorization"))
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":401,"message":"Request is missing required authentication credential.","status":"UNAUTHENTICATED"}}`))
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *authRecorder) seen() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.auth)
}

// newRedirector is an API front that redirects (307) requests whose
// path ends with suffix to the same path on other, and passes the rest
// to upstream.
func newRedirector(t *testing.T, upstream, other, suffix string) *httptest.Server {
	t.Helper()
	up, err := url.Parse(upstream)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(up)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, suffix) {
			http.Redirect(w, r, other+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestOAuthSignInQuota: a sign-in that would create an integration
// counts against TENANT_MAX_INTEGRATIONS as a create does. A tenant at
// its quota gets 429 when asking for the link of a new mailbox (a
// reauthorization takes no room); one that reaches it while its user
// signs in gets 429 at the callback, and nothing is created.
func TestOAuthSignInQuota(t *testing.T) {
	t.Parallel()
	env := baseEnv()
	env["TENANT_MAX_INTEGRATIONS"] = "2"
	e := startBinding(t, env)
	create := func() string {
		r := e.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: e.tok,
			body: map[string]any{"name": "Source", "provider": "custom"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var in integration
		r.decode(t, &in)
		return in.ID
	}
	create()
	r := e.signIn(t, "google", "email="+bindingGoogle, bindingGoogle)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var gm integration
	r.decode(t, &gm)

	// At the quota: a new mailbox's link is refused; the
	// reauthorization of the one it has is not.
	p := e.authorize(t, "microsoft", "email="+bindingMicrosoft, false).requireProblem(t, http.StatusTooManyRequests)
	require.Equal(t, "urn:ucsp:problem:quota-exceeded", p.Type)
	r = e.signIn(t, "google", "integration_id="+gm.ID, bindingGoogle)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	// The quota is reached while the user signs in: the callback
	// refuses.
	requireDeleted(t, e, gm.ID)
	r = e.authorize(t, "microsoft", "email="+bindingMicrosoft, false)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var started struct {
		URL string `json:"url"`
	}
	r.decode(t, &started)
	create()
	e.ms.SetConsent(bindingMicrosoft, false)
	resp, err := e.c.hc.Get(started.URL)
	require.NoError(t, err)
	_ = resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	p = e.c.do(t, call{method: http.MethodGet, path: back.RequestURI()}).requireProblem(t, http.StatusTooManyRequests)
	require.Equal(t, "urn:ucsp:problem:quota-exceeded", p.Type)
	require.Empty(t, e.integrations(t, "outlook"))
	require.Empty(t, e.ms.Subscriptions(bindingMicrosoft))
}
