package gmailtest_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/gmail/gmailtest"
)

const callback = "https://app.example.com/cb"

// consent runs the authorization endpoint and returns the code.
func consent(t *testing.T, srv *gmailtest.Server, conf *oauth2.Config, opts ...oauth2.AuthCodeOption) string {
	t.Helper()
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(conf.AuthCodeURL("st", opts...))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "st", loc.Query().Get("state"))
	return loc.Query().Get("code")
}

// The token endpoint checks the client, the PKCE verifier when the
// authorization had a challenge, and refresh tokens (rotating them when
// asked); its tokens work on the API.
func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{RotateRefreshTokens: true})
	t.Cleanup(srv.Close)
	srv.SetConsent(user, false)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	conf := srv.OAuthConfig(callback, "https://www.googleapis.com/auth/gmail.readonly")

	bad := *conf
	bad.ClientSecret = "wrong"
	_, err := bad.Exchange(ctx, consent(t, srv, conf))
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "invalid_client", re.ErrorCode)

	v := oauth2.GenerateVerifier()
	code := consent(t, srv, conf, oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(v))
	_, err = conf.Exchange(ctx, code)
	require.ErrorAs(t, err, &re, "a challenge without its verifier")
	require.Equal(t, "invalid_grant", re.ErrorCode)
	code = consent(t, srv, conf, oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(v))
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(v))
	require.NoError(t, err)
	require.NotEmpty(t, tok.RefreshToken)

	hc := oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok))
	resp, err := hc.Get(srv.URL + u + "/profile")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	expired := *tok
	expired.AccessToken = "" // not valid: refresh
	fresh, err := conf.TokenSource(ctx, &expired).Token()
	require.NoError(t, err)
	require.NotEqual(t, tok.RefreshToken, fresh.RefreshToken, "rotated")
	_, err = conf.TokenSource(ctx, &expired).Token()
	require.ErrorAs(t, err, &re, "the old refresh token was revoked")
	require.Equal(t, "invalid_grant", re.ErrorCode)
}
