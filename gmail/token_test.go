package gmail

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// saver records the credentials a connector saves.
type saver struct {
	mu    sync.Mutex
	saved []connector.Credentials
}

func (s *saver) save(_ context.Context, c connector.Credentials) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved = append(s.saved, c)
	return nil
}

func (s *saver) last() connector.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saved[len(s.saved)-1]
}

func (s *saver) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.saved)
}

// factoryConnector builds a connector through Factory with tok as the
// stored credentials, refreshing through the fake's token endpoint.
func factoryConnector(t *testing.T, srv *gmailtest.Server, tok *oauth2.Token, sv *saver) connector.Connector {
	t.Helper()
	var reg connector.Registry
	require.NoError(t, reg.Register(ProviderName, Factory(FactoryOptions{
		Base:   Config{Endpoint: srv.Endpoint(), RetryBase: time.Millisecond, RetryMax: time.Millisecond},
		OAuth2: srv.OAuthConfig(redirectURL),
	})))
	settings, _ := json.Marshal(Settings{Email: testUser})
	c, err := reg.New(context.Background(), connector.Config{
		Provider: ProviderName, IntegrationID: "int-1", Settings: settings,
		Credentials:     connector.Credentials{OAuth2: tok},
		SaveCredentials: sv.save,
	})
	require.NoError(t, err)
	return c
}

// An expired access token is refreshed before use, and the new token,
// with its rotated refresh token, is saved before it is used.
func TestExpiredTokenRefreshedAndSaved(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{RotateRefreshTokens: true})
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(testUser)
	tok.Expiry = time.Now().Add(-time.Minute)
	sv := &saver{}
	c := factoryConnector(t, srv, tok, sv)
	require.NoError(t, c.Test(context.Background()))
	require.Equal(t, 1, sv.count())
	saved := sv.last().OAuth2
	require.NotEqual(t, tok.RefreshToken, saved.RefreshToken)
	require.True(t, srv.RefreshTokenValid(saved.RefreshToken))
	require.False(t, srv.RefreshTokenValid(tok.RefreshToken))
	require.NoError(t, c.Test(context.Background()))
	require.Equal(t, 1, srv.Calls("oauth2.token"), "the new token is reused")
}

// A token the API rejects (401) before its expiry is refreshed once and
// the call sent again, a POST body included; a second 401 is ErrAuth.
func TestRejectedTokenRefreshedOnce(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(testUser)
	sv := &saver{}
	c := factoryConnector(t, srv, tok, sv)

	srv.ExpireToken(tok.AccessToken)
	out := reply("after-401@example.com")
	out.Subject = "Hi"
	_, err := c.Send(context.Background(), out)
	require.NoError(t, err)
	require.Equal(t, 2, srv.Calls("messages.send"))
	require.Len(t, srv.Mailbox(testUser).Sent(), 1)
	require.Equal(t, 1, srv.Calls("oauth2.token"))
	require.Equal(t, 1, sv.count())

	srv.InjectFault(gmailtest.Fault{Method: "users.getProfile", Status: 401, Times: 2})
	err = c.Test(context.Background())
	require.ErrorIs(t, err, connector.ErrAuth)
	require.Equal(t, 2, srv.Calls("oauth2.token"), "one refresh, not a loop")
	require.Equal(t, 2, srv.Calls("users.getProfile"))
}

// A revoked grant (invalid_grant at the token endpoint) is ErrAuth: the
// integration needs the user again. A failing token endpoint is
// temporary.
func TestRevokedGrant(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(testUser)
	tok.Expiry = time.Now().Add(-time.Minute)
	c := factoryConnector(t, srv, tok, &saver{})

	srv.InjectFault(gmailtest.Fault{Method: "oauth2.token", Status: 503, Times: -1})
	err := c.Test(context.Background())
	require.ErrorIs(t, err, connector.ErrTemporary)
	srv.ClearFaults()

	srv.RevokeGrant(testUser)
	err = c.Test(context.Background())
	require.ErrorIs(t, err, connector.ErrAuth)
	require.Contains(t, err.Error(), "invalid_grant")
}

// Without an OAuth client, the stored token is used as it is.
func TestTokenSourceWithoutClient(t *testing.T) {
	t.Parallel()
	tok := &oauth2.Token{AccessToken: "a"}
	src := TokenSource(context.Background(), nil, connector.Config{Credentials: connector.Credentials{OAuth2: tok}})
	got, err := src.Token()
	require.NoError(t, err)
	require.Equal(t, "a", got.AccessToken)
	_, ok := src.(connector.TokenInvalidator)
	require.False(t, ok)
	require.Nil(t, TokenSource(context.Background(), nil, connector.Config{}))
}
