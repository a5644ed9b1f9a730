package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// dashToken is the ADMIN_TOKEN of the dashboard tests.
const dashToken = "operator-token-for-the-dashboard-tests-0123456789"

// dashEnv is baseEnv with the dashboard on.
func dashEnv(extra map[string]string) map[string]string {
	env := baseEnv()
	env["ADMIN_TOKEN"] = dashToken
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// dashBrowser talks to one process's dashboard as a browser would, but
// keeps the cookies to the test: no jar, no redirects followed.
type dashBrowser struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newDashBrowser(t *testing.T, base string) *dashBrowser {
	return &dashBrowser{t: t, base: base, hc: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// dashReply is a response, read.
type dashReply struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
}

func (b *dashBrowser) do(method, path string, cookie *http.Cookie, form url.Values, header map[string]string) *dashReply {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if cookie != nil {
		req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	}
	resp, err := b.hc.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return &dashReply{status: resp.StatusCode, header: resp.Header, body: string(rb), cookies: resp.Cookies()}
}

// signIn posts token to the sign-in form (with cookie, if not nil) and
// returns the reply and the session cookie it set (nil when none).
func (b *dashBrowser) signIn(token string, cookie *http.Cookie, header map[string]string) (*dashReply, *http.Cookie) {
	b.t.Helper()
	r := b.do(http.MethodPost, "/dashboard/login", cookie, url.Values{"token": {token}}, header)
	for _, c := range r.cookies {
		if c.Value != "" {
			return r, c
		}
	}
	return r, nil
}

// mustSignIn signs in with the operator token and returns the cookie.
func (b *dashBrowser) mustSignIn() *http.Cookie {
	b.t.Helper()
	r, c := b.signIn(dashToken, nil, nil)
	require.Equal(b.t, http.StatusSeeOther, r.status, "%s", r.body)
	require.Equal(b.t, "/dashboard", r.header.Get("Location"))
	require.NotNil(b.t, c, "signing in sets the session cookie")
	return c
}

// page loads /dashboard with cookie and reports whether it opened (or
// the browser was sent to sign in), and the CSRF token of its forms.
func (b *dashBrowser) page(cookie *http.Cookie) (bool, string) {
	b.t.Helper()
	r := b.do(http.MethodGet, "/dashboard", cookie, nil, nil)
	if r.status == http.StatusSeeOther {
		require.Equal(b.t, "/dashboard/login", r.header.Get("Location"))
		return false, ""
	}
	require.Equal(b.t, http.StatusOK, r.status, "%s", r.body)
	require.Contains(b.t, r.body, `id="integrations"`)
	if m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(r.body); m != nil {
		return true, m[1]
	}
	return true, ""
}

// csrf loads /dashboard with cookie and returns its forms' CSRF token.
func (b *dashBrowser) csrf(cookie *http.Cookie) string {
	b.t.Helper()
	open, csrf := b.page(cookie)
	require.True(b.t, open, "the session is live")
	require.NotEmpty(b.t, csrf, "a session's page has forms with its CSRF token")
	return csrf
}

// live reports whether cookie opens the dashboard.
func (b *dashBrowser) live(cookie *http.Cookie) bool {
	b.t.Helper()
	open, _ := b.page(cookie)
	return open
}

// post posts a dashboard form with cookie and, unless empty, csrf.
func (b *dashBrowser) post(path string, cookie *http.Cookie, csrf string) *dashReply {
	b.t.Helper()
	form := url.Values{}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	return b.do(http.MethodPost, path, cookie, form, nil)
}

// signOut signs cookie's session out with csrf and checks the answer:
// back to the sign-in page, the cookie deleted.
func (b *dashBrowser) signOut(cookie *http.Cookie, csrf string) *http.Cookie {
	b.t.Helper()
	r := b.post("/dashboard/logout", cookie, csrf)
	require.Equal(b.t, http.StatusSeeOther, r.status, "%s", r.body)
	require.Equal(b.t, "/dashboard/login", r.header.Get("Location"))
	require.Len(b.t, r.cookies, 1)
	require.Equal(b.t, cookie.Name, r.cookies[0].Name)
	require.Empty(b.t, r.cookies[0].Value)
	require.Less(b.t, r.cookies[0].MaxAge, 0, "the cookie is deleted")
	return r.cookies[0]
}

// TestDashboardSessions: every sign-in is a session of its own (another
// cookie, another CSRF token; HttpOnly, SameSite=Strict, Path=/dashboard,
// not Secure on http); an action with no CSRF token or another session's
// is refused (403) and does nothing; signing out ends that session only,
// and its cookie opens nothing after.
func TestDashboardSessions(t *testing.T) {
	t.Parallel()
	in := start(t, dashEnv(nil))
	b := newDashBrowser(t, in.base)

	a, c := b.mustSignIn(), b.mustSignIn()
	require.NotEqual(t, a.Value, c.Value, "two sign-ins, two sessions")
	for _, ck := range []*http.Cookie{a, c} {
		require.NotContains(t, ck.Value, dashToken)
		require.True(t, ck.HttpOnly)
		require.Equal(t, http.SameSiteStrictMode, ck.SameSite)
		require.Equal(t, "/dashboard", ck.Path)
		require.False(t, ck.Secure, "PUBLIC_BASE_URL is http")
	}
	csrfA, csrfC := b.csrf(a), b.csrf(c)
	require.NotEmpty(t, csrfA)
	require.NotEqual(t, csrfA, csrfC, "each session has a CSRF token of its own")
	require.NotContains(t, csrfA, dashToken)

	for _, path := range []string{"/dashboard/dead/default/no-such-job/delete", "/dashboard/logout"} {
		r := b.post(path, a, csrfC)
		require.Equal(t, http.StatusForbidden, r.status, "%s with another session's token: %s", path, r.body)
		r = b.post(path, a, "")
		require.Equal(t, http.StatusForbidden, r.status, "%s without a token: %s", path, r.body)
	}
	r := b.post("/dashboard/dead/default/no-such-job/delete", a, csrfA)
	require.Equal(t, http.StatusNotFound, r.status, "the session's own token reaches the action: %s", r.body)
	require.Equal(t, csrfA, b.csrf(a), "refused actions left the session as it was")

	b.signOut(a, csrfA)
	require.False(t, b.live(a), "a signed-out cookie opens nothing")
	r = b.post("/dashboard/dead/default/no-such-job/delete", a, csrfA)
	require.Equal(t, http.StatusUnauthorized, r.status, "nor does it act: %s", r.body)
	require.Equal(t, csrfC, b.csrf(c), "signing out ended that session only")

	// Signing in again with a session's cookie ends that session.
	d := b.mustSignIn()
	r, e := b.signIn(dashToken, d, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	require.NotNil(t, e)
	require.NotEqual(t, d.Value, e.Value)
	require.False(t, b.live(d), "the session signed in over is ended")
	require.True(t, b.live(e))
}

// TestDashboardSessionExpiry: a session ends DASHBOARD_SESSION_IDLE after
// its last use, and DASHBOARD_SESSION_TTL after sign-in however often it
// is used.
func TestDashboardSessionExpiry(t *testing.T) {
	t.Parallel()
	in := start(t, dashEnv(map[string]string{"DASHBOARD_SESSION_TTL": "4s", "DASHBOARD_SESSION_IDLE": "2s"}))
	b := newDashBrowser(t, in.base)
	idle := b.mustSignIn()
	require.True(t, b.live(idle))
	busy := b.mustSignIn()
	t0 := time.Now() // both sessions were made, and last used, before t0
	for _, at := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		time.Sleep(time.Until(t0.Add(at)))
		require.True(t, b.live(busy), "used every second, %v after sign-in", at)
		if at == 2*time.Second {
			time.Sleep(time.Until(t0.Add(2500 * time.Millisecond)))
			require.False(t, b.live(idle), "unused for over DASHBOARD_SESSION_IDLE")
		}
	}
	time.Sleep(time.Until(t0.Add(4500 * time.Millisecond)))
	require.False(t, b.live(busy), "used 1.5 s ago, but DASHBOARD_SESSION_TTL after sign-in")
	r := b.post("/dashboard/logout", busy, "x")
	require.Equal(t, http.StatusUnauthorized, r.status)
}

// TestDashboardCookieSecure: the session cookie, and the one deleting it
// at sign-out, are Secure when PUBLIC_BASE_URL is https, and not when it
// is http.
func TestDashboardCookieSecure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base   string
		secure bool
	}{{"https://ops.example.com", true}, {"http://ops.example.com", false}} {
		t.Run(tc.base, func(t *testing.T) {
			t.Parallel()
			in := start(t, dashEnv(map[string]string{"PUBLIC_BASE_URL": tc.base}))
			b := newDashBrowser(t, in.base)
			c := b.mustSignIn()
			require.Equal(t, tc.secure, c.Secure)
			require.True(t, c.HttpOnly)
			require.Equal(t, http.SameSiteStrictMode, c.SameSite)
			gone := b.signOut(c, b.csrf(c))
			require.Equal(t, tc.secure, gone.Secure, "the deleting cookie")
		})
	}
}

// TestDashboardSignInLimit: sign-in attempts are limited per client
// address (here through a trusted proxy's X-Forwarded-For): after the
// burst of failures, even the right token is refused (429) from that
// address, and another address still signs in.
func TestDashboardSignInLimit(t *testing.T) {
	t.Parallel()
	in := start(t, dashEnv(map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32"}))
	b := newDashBrowser(t, in.base)
	from := func(addr string) map[string]string { return map[string]string{"X-Forwarded-For": addr} }
	for i := range 10 {
		r, c := b.signIn("not-the-operator-token-not-the-operator-token", nil, from("203.0.113.7"))
		require.Equal(t, http.StatusUnauthorized, r.status, "attempt %d", i+1)
		require.Nil(t, c)
	}
	r, c := b.signIn(dashToken, nil, from("203.0.113.7"))
	require.Equal(t, http.StatusTooManyRequests, r.status, "%s", r.body)
	require.Nil(t, c, "no session past the limit, even for the right token")
	require.NotEmpty(t, r.header.Get("Retry-After"))
	r, c = b.signIn(dashToken, nil, from("203.0.113.8"))
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	require.NotNil(t, c)
}

// TestDashboardSessionsAcrossProcesses: in production mode a session
// made on one API process works on another (same CSRF token) but not on
// one with another ADMIN_TOKEN, signing out on the second ends it on the
// first, and Redis holds neither the session id nor its CSRF token.
func TestDashboardSessionsAcrossProcesses(t *testing.T) {
	t.Parallel()
	env := productionEnv(t, dashEnv(nil))
	one := start(t, env, "serve")
	two := start(t, env, "serve")
	b1, b2 := newDashBrowser(t, one.base), newDashBrowser(t, two.base)

	c := b1.mustSignIn()
	require.True(t, b2.live(c), "the other process knows the session")
	var sessions []string
	for k := range redisContents(t, env) {
		if strings.Contains(k, ":dashboard:session:") {
			sessions = append(sessions, k)
		}
	}
	require.Len(t, sessions, 1, "the session is in Redis")
	csrf := b1.csrf(c)
	require.Equal(t, csrf, b2.csrf(c), "the same session, the same token")
	for k, vals := range redisContents(t, env) {
		require.NotContains(t, k, c.Value, "the session is kept under a hash of its id")
		for _, v := range vals {
			require.NotContains(t, v, c.Value, "key %s", k)
			require.NotContains(t, v, csrf, "key %s", k)
		}
	}

	// A process with another ADMIN_TOKEN (a rotated one) knows none of
	// the old token's sessions.
	rotated := map[string]string{}
	for k, v := range env {
		rotated[k] = v
	}
	rotated["ADMIN_TOKEN"] = "a-rotated-operator-token-0123456789abcdef"
	three := start(t, rotated, "serve")
	require.False(t, newDashBrowser(t, three.base).live(c), "changing ADMIN_TOKEN ends the sessions")

	b2.signOut(c, csrf)
	require.False(t, b1.live(c), "signed out on the other process")
	require.False(t, b2.live(c))
}

// redisContents returns every string and hash key under the test's
// Redis prefix, with its value (a hash's fields and values).
func redisContents(t *testing.T, env map[string]string) map[string][]string {
	t.Helper()
	opt, err := redis.ParseURL(env["REDIS_URL"])
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, env["REDIS_KEY_PREFIX"]+":*").Result()
	require.NoError(t, err)
	out := map[string][]string{}
	for _, k := range keys {
		switch rdb.Type(ctx, k).Val() {
		case "string":
			out[k] = []string{rdb.Get(ctx, k).Val()}
		case "hash":
			for f, v := range rdb.HGetAll(ctx, k).Val() {
				out[k] = append(out[k], f, v)
			}
		default:
			out[k] = nil
		}
	}
	return out
}
