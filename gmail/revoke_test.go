package gmail

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// Revoke ends the grant at Google's revocation endpoint: its refresh
// and access tokens stop working; a second revocation is ErrAuth
// (invalid_token), a failing endpoint ErrTemporary.
func TestRevoke(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	ctx := context.Background()
	tok := srv.IssueToken(testUser)
	require.True(t, srv.Authorized(testUser))

	require.NoError(t, Revoke(ctx, srv.Client(), srv.RevokeURL(), tok))
	require.False(t, srv.RefreshTokenValid(tok.RefreshToken))
	require.False(t, srv.Authorized(testUser), "the access token of the grant goes too")
	err := Revoke(ctx, srv.Client(), srv.RevokeURL(), tok)
	require.ErrorIs(t, err, connector.ErrAuth, "revoked already: %v", err)

	// An access token alone revokes its grant too.
	access := &oauth2.Token{AccessToken: srv.IssueToken("b@example.com").AccessToken}
	require.NoError(t, Revoke(ctx, srv.Client(), srv.RevokeURL(), access))
	require.False(t, srv.Authorized("b@example.com"))

	require.ErrorIs(t, Revoke(ctx, nil, srv.RevokeURL(), &oauth2.Token{}), ErrNothingToRevoke)
	srv.InjectFault(gmailtest.Fault{Method: "oauth2.revoke", Status: http.StatusServiceUnavailable})
	err = Revoke(ctx, srv.Client(), srv.RevokeURL(), srv.IssueToken("c@example.com"))
	require.ErrorIs(t, err, connector.ErrTemporary)
	require.True(t, srv.Authorized("c@example.com"))
	require.Equal(t, 4, srv.Calls("oauth2.revoke"))
}
