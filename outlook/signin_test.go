package outlook

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// VerifySignIn binds a sign-in to the expected mailbox through GET /me:
// the token's mailbox must be it (case aside); another is a
// *MailboxMismatchError, a rejected token an ErrAuth error.
func TestVerifySignIn(t *testing.T) {
	t.Parallel()
	srv := outlooktest.NewServer(outlooktest.Options{})
	t.Cleanup(srv.Close)
	api := Config{Endpoint: srv.Endpoint(), MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)}
	ctx := context.Background()

	addr, err := VerifySignIn(ctx, srv.IssueToken(testUser), SignInCheck{Expected: strings.ToUpper(testUser), API: api})
	require.NoError(t, err)
	require.Equal(t, testUser, addr)

	_, err = VerifySignIn(ctx, srv.IssueToken("victim@fabrikam.example"), SignInCheck{Expected: testUser, API: api})
	var mm *MailboxMismatchError
	require.ErrorAs(t, err, &mm)
	require.Equal(t, testUser, mm.Expected)
	require.Equal(t, "victim@fabrikam.example", mm.Got)

	tok := srv.IssueToken(testUser)
	srv.ExpireToken(tok.AccessToken)
	_, err = VerifySignIn(ctx, tok, SignInCheck{Expected: testUser, API: api})
	require.ErrorIs(t, err, connector.ErrAuth)

	addr, err = VerifySignIn(ctx, srv.IssueToken("any@fabrikam.example"), SignInCheck{API: api})
	require.NoError(t, err, "no expected mailbox: any")
	require.Equal(t, "any@fabrikam.example", addr)
}

func TestProfileAddress(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a@x.example", (&Profile{Mail: "a@x.example", UserPrincipalName: "upn@x.example"}).Address())
	require.Equal(t, "upn@x.example", (&Profile{UserPrincipalName: "upn@x.example"}).Address())
}
