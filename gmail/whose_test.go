package gmail

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// Whose reads the mailbox a token opens with the token alone: no Email,
// and the per-mailbox Quota is not asked about a mailbox not known yet.
func TestWhose(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	ctx := context.Background()
	quota := QuotaFunc(func(context.Context, string, string) error { return errors.New("no room") })
	api := Config{Endpoint: srv.Endpoint(), HTTPClient: srv.Client(), MaxRetries: -1, Email: "someone@else.example", Quota: quota}

	addr, err := Whose(ctx, srv.IssueToken(testUser), api)
	require.NoError(t, err)
	require.Equal(t, testUser, addr)
	addr, err = Whose(ctx, srv.IssueToken("other@example.net"), api)
	require.NoError(t, err)
	require.Equal(t, "other@example.net", addr)

	tok := srv.IssueToken(testUser)
	srv.ExpireToken(tok.AccessToken)
	_, err = Whose(ctx, tok, api)
	require.ErrorIs(t, err, connector.ErrAuth)
	_, err = Whose(ctx, nil, api)
	require.ErrorIs(t, err, connector.ErrAuth)

	_, err = Whose(ctx, srv.IssueToken(testUser), Config{Endpoint: "ftp://x"})
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []connector.FieldError{{Field: "Endpoint", Message: `must be an http(s) URL, got "ftp://x"`}}, ce.Fields, "no Email is asked for")
}
