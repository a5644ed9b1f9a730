package connector_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

func TestRefreshableTokenSourceForcedRefreshSaves(t *testing.T) {
	t.Parallel()
	conf, refreshes := tokenEndpoint(t)
	valid := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: time.Now().Add(time.Hour)}
	var saved []connector.Credentials
	cfg := connector.Config{
		Credentials: connector.Credentials{Username: "jane", OAuth2: valid},
		SaveCredentials: func(_ context.Context, c connector.Credentials) error {
			saved = append(saved, c)
			return nil
		},
	}
	src := connector.RefreshableTokenSource(context.Background(), conf, cfg)
	inv, ok := src.(connector.TokenInvalidator)
	require.True(t, ok, "a source refreshing through conf can be forced to refresh")

	tok, err := src.Token()
	require.NoError(t, err)
	require.Equal(t, "at-0", tok.AccessToken, "a valid token is used as it is")
	require.Zero(t, refreshes.Load())

	require.True(t, inv.Invalidate("at-0"))
	tok, err = src.Token()
	require.NoError(t, err)
	require.Equal(t, "at-1", tok.AccessToken, "the rejected token is refreshed before its expiry")
	require.Len(t, saved, 1, "the forced refresh is saved")
	require.Equal(t, "rt-1", saved[0].OAuth2.RefreshToken)
	require.Equal(t, "jane", saved[0].Username)

	require.True(t, inv.Invalidate("at-0"), "a token refreshed already by a concurrent call counts as refreshed")
	tok, err = src.Token()
	require.NoError(t, err)
	require.Equal(t, "at-1", tok.AccessToken, "no second refresh for the same stale token")
	require.Equal(t, int32(1), refreshes.Load())
}

func TestRefreshableTokenSourceWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	conf, refreshes := tokenEndpoint(t)
	cfg := connector.Config{Credentials: connector.Credentials{OAuth2: &oauth2.Token{AccessToken: "at-0", Expiry: time.Now().Add(time.Hour)}}}
	src := connector.RefreshableTokenSource(context.Background(), conf, cfg)
	require.False(t, src.(connector.TokenInvalidator).Invalidate("at-0"), "no refresh token, no refresh")
	tok, err := src.Token()
	require.NoError(t, err)
	require.Equal(t, "at-0", tok.AccessToken)
	require.Zero(t, refreshes.Load())
}

func TestRefreshableTokenSourcePassesThrough(t *testing.T) {
	t.Parallel()
	conf, _ := tokenEndpoint(t)
	valid := &oauth2.Token{AccessToken: "static", RefreshToken: "rt-0", Expiry: time.Now().Add(time.Hour)}

	src := connector.RefreshableTokenSource(context.Background(), nil, connector.Config{Credentials: connector.Credentials{OAuth2: valid}})
	_, ok := src.(connector.TokenInvalidator)
	require.False(t, ok, "without conf there is no refresh to force")

	shared := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "shared"})
	src = connector.RefreshableTokenSource(context.Background(), conf, connector.Config{TokenSource: shared, Credentials: connector.Credentials{OAuth2: valid}})
	require.Equal(t, shared, src, "Config.TokenSource is used as it is")

	require.Nil(t, connector.RefreshableTokenSource(context.Background(), conf, connector.Config{}))
}
