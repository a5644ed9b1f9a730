package outlook

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// authorize follows the fake's authorize redirect and returns the
// callback's query.
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return loc.Query()
}

// The authorization URL carries the scopes, PKCE S256 and the state;
// the code works once and only with its verifier; every refresh rotates
// the refresh token.
func TestOAuthFlow(t *testing.T) {
	t.Parallel()
	srv := outlooktest.NewServer(outlooktest.Options{})
	t.Cleanup(srv.Close)
	srv.SetConsent(testUser, false)
	conf := srv.OAuthConfig("https://app.example/auth/microsoft/callback", DefaultScopes()...)
	req := NewAuthRequest(conf, AuthOptions{LoginHint: testUser, Prompt: "select_account"})
	u, err := url.Parse(req.URL)
	require.NoError(t, err)
	q := u.Query()
	require.Equal(t, "offline_access Mail.Read Mail.Send User.Read", q.Get("scope"))
	require.Equal(t, "S256", q.Get("code_challenge_method"))
	require.NotEmpty(t, q.Get("code_challenge"))
	require.Equal(t, req.State, q.Get("state"))
	require.Len(t, req.State, 43)

	cb := authorize(t, req.URL)
	require.Equal(t, req.State, cb.Get("state"))
	ctx := context.Background()
	_, err = Exchange(ctx, conf, cb.Get("code"), oauth2.GenerateVerifier())
	require.ErrorIs(t, err, connector.ErrAuth, "a wrong verifier is refused")

	req2 := NewAuthRequest(conf, AuthOptions{State: "s2"})
	cb = authorize(t, req2.URL)
	tok, err := Exchange(ctx, conf, cb.Get("code"), req2.Verifier)
	require.NoError(t, err)
	require.NotEmpty(t, tok.RefreshToken)
	_, err = Exchange(ctx, conf, cb.Get("code"), req2.Verifier)
	require.ErrorIs(t, err, connector.ErrAuth, "a code works once")

	fresh, err := Refresh(ctx, conf, tok)
	require.NoError(t, err)
	require.NotEqual(t, tok.RefreshToken, fresh.RefreshToken, "Microsoft rotates the refresh token")
	require.NotEqual(t, tok.AccessToken, fresh.AccessToken)

	srv.RevokeGrant(testUser)
	_, err = Refresh(ctx, conf, fresh)
	require.ErrorIs(t, err, connector.ErrAuth, "invalid_grant AADSTS50173")
	_, err = Refresh(ctx, conf, &oauth2.Token{AccessToken: "a"})
	require.ErrorIs(t, err, connector.ErrAuth)
}

// A token endpoint that fails is temporary, not a lost grant.
func TestOAuthEndpointDown(t *testing.T) {
	t.Parallel()
	srv := outlooktest.NewServer(outlooktest.Options{})
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(testUser)
	srv.InjectFault(outlooktest.Fault{Op: "oauth2.token", Status: http.StatusServiceUnavailable})
	_, err := Refresh(context.Background(), srv.OAuthConfig(""), tok)
	require.ErrorIs(t, err, connector.ErrTemporary)
}

// Every refresh through TokenSource hands the rotated refresh token to
// SaveCredentials before it is used, so that it survives a restart even
// when Microsoft revokes the used one.
func TestTokenSourceSavesRotatedRefreshToken(t *testing.T) {
	t.Parallel()
	srv := outlooktest.NewServer(outlooktest.Options{RevokeUsedRefreshTokens: true})
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(testUser)
	expired := *tok
	expired.Expiry = expired.Expiry.AddDate(-1, 0, 0)
	var stored connector.Credentials
	cc := connector.Config{
		Credentials:     connector.Credentials{OAuth2: &expired},
		SaveCredentials: func(_ context.Context, c connector.Credentials) error { stored = c; return nil },
	}
	src := TokenSource(context.Background(), srv.OAuthConfig(""), cc)
	got, err := src.Token()
	require.NoError(t, err)
	require.NotNil(t, stored.OAuth2)
	require.Equal(t, got.RefreshToken, stored.OAuth2.RefreshToken)
	require.NotEqual(t, tok.RefreshToken, got.RefreshToken)
	require.False(t, srv.RefreshTokenValid(tok.RefreshToken), "the used one is gone")
	require.True(t, srv.RefreshTokenValid(stored.OAuth2.RefreshToken), "the saved one works after a restart")
}

// MicrosoftEndpoint is the identity platform v2.0 of a tenant.
func TestMicrosoftEndpoint(t *testing.T) {
	t.Parallel()
	e := MicrosoftEndpoint("")
	require.Equal(t, "https://login.microsoftonline.com/common/oauth2/v2.0/authorize", e.AuthURL)
	require.Equal(t, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token", OAuth2Config("contoso.onmicrosoft.com", "id", "s", "").Endpoint.TokenURL)
}

// The kiota token provider sends tokens only to its hosts.
func TestAccessTokenProviderHosts(t *testing.T) {
	t.Parallel()
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok"})
	p, err := NewAccessTokenProvider(src, "graph.microsoft.com")
	require.NoError(t, err)
	got, err := p.GetAuthorizationToken(context.Background(), &url.URL{Scheme: "https", Host: "graph.microsoft.com"}, nil)
	require.NoError(t, err)
	require.Equal(t, "tok", got)
	got, err = p.GetAuthorizationToken(context.Background(), &url.URL{Scheme: "https", Host: "evil.example"}, nil)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = NewAccessTokenProvider(src, "https://graph.microsoft.com")
	require.Error(t, err)
}
