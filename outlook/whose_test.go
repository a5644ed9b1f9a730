package outlook

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// Whose reads the mailbox a token opens with the token alone: no Email,
// and the per-mailbox Limiter is not asked about a mailbox not known
// yet.
func TestWhose(t *testing.T) {
	t.Parallel()
	srv := outlooktest.NewServer(outlooktest.Options{})
	t.Cleanup(srv.Close)
	ctx := context.Background()
	limiter := LimiterFunc(func(context.Context, string) (func(), error) { return nil, errors.New("no room") })
	api := Config{Endpoint: srv.Endpoint(), MaxRetries: -1, Logger: slog.New(slog.DiscardHandler), Email: "someone@else.example", Limiter: limiter}

	addr, err := Whose(ctx, srv.IssueToken(testUser), api)
	require.NoError(t, err)
	require.Equal(t, testUser, addr)
	addr, err = Whose(ctx, srv.IssueToken("other@fabrikam.example"), api)
	require.NoError(t, err)
	require.Equal(t, "other@fabrikam.example", addr)

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
