package gmail

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

const redirectURL = "https://app.example.com/auth/google/callback"

// The authorization URL asks for offline access (a refresh token), with
// PKCE S256 and a state; prompt=consent only when forced.
func TestAuthRequestURL(t *testing.T) {
	t.Parallel()
	conf := OAuth2Config("client", "secret", redirectURL)
	req := NewAuthRequest(conf, AuthOptions{LoginHint: testUser})
	u, err := url.Parse(req.URL)
	require.NoError(t, err)
	require.Equal(t, "accounts.google.com", u.Host)
	q := u.Query()
	require.Equal(t, "offline", q.Get("access_type"))
	require.Equal(t, "S256", q.Get("code_challenge_method"))
	sum := sha256.Sum256([]byte(req.Verifier))
	require.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), q.Get("code_challenge"))
	require.Equal(t, req.State, q.Get("state"))
	require.Len(t, req.State, 43, "256 random bits")
	require.Equal(t, strings.Join(DefaultScopes(), " "), q.Get("scope"))
	require.Equal(t, testUser, q.Get("login_hint"))
	require.Empty(t, q.Get("prompt"))
	require.NotEqual(t, req.State, NewAuthRequest(conf, AuthOptions{}).State)

	forced := NewAuthRequest(conf, AuthOptions{ForceConsent: true, State: "given"})
	fu, _ := url.Parse(forced.URL)
	require.Equal(t, "consent", fu.Query().Get("prompt"))
	require.Equal(t, "given", forced.State)
}

// authorize follows the authorization URL on the fake and returns the
// callback's query.
func authorize(t *testing.T, srv *gmailtest.Server, req *AuthRequest) url.Values {
	t.Helper()
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(req.URL)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(loc.String(), redirectURL+"?"))
	return loc.Query()
}

// The whole flow against the fake: consent, code exchange with the PKCE
// verifier, a token that works; a refresh token on the first consent
// only, unless consent is forced.
func TestOAuthFlow(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	srv.SetConsent(testUser, false)
	conf := srv.OAuthConfig(redirectURL, DefaultScopes()...)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())

	req := NewAuthRequest(conf, AuthOptions{})
	cb := authorize(t, srv, req)
	require.Equal(t, req.State, cb.Get("state"))
	tok, err := Exchange(ctx, conf, cb.Get("code"), req.Verifier)
	require.NoError(t, err)
	require.NotEmpty(t, tok.AccessToken)
	require.NotEmpty(t, tok.RefreshToken)
	c := newConnector(t, Config{Email: testUser, TokenSource: oauth2.StaticTokenSource(tok), Endpoint: srv.Endpoint()})
	p, err := c.Profile(ctx)
	require.NoError(t, err)
	require.Equal(t, testUser, p.Email, "the callback reads the mailbox's address")

	_, err = Exchange(ctx, conf, cb.Get("code"), req.Verifier)
	require.ErrorIs(t, err, connector.ErrAuth, "a code works once")

	again := NewAuthRequest(conf, AuthOptions{})
	tok2, err := Exchange(ctx, conf, authorize(t, srv, again).Get("code"), again.Verifier)
	require.NoError(t, err)
	require.Empty(t, tok2.RefreshToken, "no refresh token on a repeated consent")
	forced := NewAuthRequest(conf, AuthOptions{ForceConsent: true})
	tok3, err := Exchange(ctx, conf, authorize(t, srv, forced).Get("code"), forced.Verifier)
	require.NoError(t, err)
	require.NotEmpty(t, tok3.RefreshToken)
}

// A wrong PKCE verifier, a denied consent and a failing token endpoint.
func TestOAuthFailures(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	srv.SetConsent(testUser, false)
	conf := srv.OAuthConfig(redirectURL)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())

	req := NewAuthRequest(conf, AuthOptions{})
	code := authorize(t, srv, req).Get("code")
	_, err := Exchange(ctx, conf, code, NewAuthRequest(conf, AuthOptions{}).Verifier)
	require.ErrorIs(t, err, connector.ErrAuth)
	require.Contains(t, err.Error(), "invalid_grant")

	req = NewAuthRequest(conf, AuthOptions{})
	code = authorize(t, srv, req).Get("code")
	srv.InjectFault(gmailtest.Fault{Method: "oauth2.token", Status: 503})
	_, err = Exchange(ctx, conf, code, req.Verifier)
	require.ErrorIs(t, err, connector.ErrTemporary)

	srv.SetConsent(testUser, true)
	denied := authorize(t, srv, NewAuthRequest(conf, AuthOptions{State: "s1"}))
	require.Equal(t, "access_denied", denied.Get("error"))
	require.Equal(t, "s1", denied.Get("state"))
	require.Empty(t, denied.Get("code"))
}

// Refresh refreshes whatever the expiry, keeps a rotated refresh token,
// and reports a revoked grant as ErrAuth.
func TestRefresh(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{RotateRefreshTokens: true})
	t.Cleanup(srv.Close)
	conf := srv.OAuthConfig(redirectURL)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	tok := srv.IssueToken(testUser)

	fresh, err := Refresh(ctx, conf, tok)
	require.NoError(t, err)
	require.NotEqual(t, tok.AccessToken, fresh.AccessToken)
	require.NotEqual(t, tok.RefreshToken, fresh.RefreshToken)
	require.False(t, srv.RefreshTokenValid(tok.RefreshToken))
	require.True(t, srv.RefreshTokenValid(fresh.RefreshToken))

	srv.RevokeGrant(testUser)
	_, err = Refresh(ctx, conf, fresh)
	require.ErrorIs(t, err, connector.ErrAuth)
	_, err = Refresh(ctx, conf, &oauth2.Token{AccessToken: "x"})
	require.ErrorIs(t, err, connector.ErrAuth)
}
