package oauthflow

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestNewAuthRequest(t *testing.T) {
	t.Parallel()
	conf := &oauth2.Config{ClientID: "id", RedirectURL: "https://app.example/cb", Endpoint: oauth2.Endpoint{AuthURL: "https://idp.example/authorize"}}
	r := NewAuthRequest(conf, "", "jane@example.com", oauth2.SetAuthURLParam("prompt", "consent"))
	u, err := url.Parse(r.URL)
	require.NoError(t, err)
	q := u.Query()
	require.Len(t, r.State, 43, "256 random bits, URL-safe base64")
	require.Equal(t, r.State, q.Get("state"))
	require.Equal(t, "S256", q.Get("code_challenge_method"))
	require.Equal(t, oauth2.S256ChallengeFromVerifier(r.Verifier), q.Get("code_challenge"))
	require.Empty(t, q.Get("code_verifier"), "the verifier stays server-side")
	require.Equal(t, "jane@example.com", q.Get("login_hint"))
	require.Equal(t, "consent", q.Get("prompt"))
	require.Equal(t, "code", q.Get("response_type"))

	r2 := NewAuthRequest(conf, "given", "")
	u, err = url.Parse(r2.URL)
	require.NoError(t, err)
	require.Equal(t, "given", r2.State)
	require.Equal(t, "given", u.Query().Get("state"))
	require.False(t, u.Query().Has("login_hint"))
	require.NotEqual(t, r.Verifier, r2.Verifier, "a new verifier for every request")
	require.NotEqual(t, NewState(), NewState())
}

func TestRefreshWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	conf := &oauth2.Config{Endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1:1/token"}}
	for _, tok := range []*oauth2.Token{nil, {AccessToken: "a"}} {
		_, err := Refresh(context.Background(), conf, tok)
		require.True(t, errors.Is(err, ErrNoRefreshToken), "got %v", err)
	}
}
