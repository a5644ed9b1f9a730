package connector_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

// tokenEndpoint is an OAuth 2.0 token endpoint that answers every
// refresh_token grant with access token "at-N" and refresh token "rt-N".
func tokenEndpoint(t *testing.T) (*oauth2.Config, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "refresh_token" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		i := n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": "at-" + string(rune('0'+i)), "refresh_token": "rt-" + string(rune('0'+i)),
			"token_type": "Bearer", "expires_in": 3600,
		})
	}))
	t.Cleanup(srv.Close)
	return &oauth2.Config{ClientID: "id", ClientSecret: "secret", Endpoint: oauth2.Endpoint{TokenURL: srv.URL}}, &n
}

func TestOAuth2TokenSourceRefreshesAndSavesBeforeUse(t *testing.T) {
	t.Parallel()
	conf, refreshes := tokenEndpoint(t)
	expired := &oauth2.Token{AccessToken: "old", RefreshToken: "rt-0", Expiry: time.Now().Add(-time.Minute)}
	var saved []connector.Credentials
	cfg := connector.Config{
		Credentials: connector.Credentials{Username: "jane", OAuth2: expired},
		SaveCredentials: func(_ context.Context, c connector.Credentials) error {
			saved = append(saved, c)
			return nil
		},
	}
	ts := connector.OAuth2TokenSource(context.Background(), conf, cfg)
	tok, err := ts.Token()
	require.NoError(t, err)
	require.Equal(t, "at-1", tok.AccessToken)
	require.Len(t, saved, 1, "the refreshed token is saved")
	require.Equal(t, "rt-1", saved[0].OAuth2.RefreshToken, "the rotated refresh token is what is saved")
	require.Equal(t, "jane", saved[0].Username, "the rest of the credentials are kept")

	tok, err = ts.Token()
	require.NoError(t, err)
	require.Equal(t, "at-1", tok.AccessToken, "a valid token is reused")
	require.Equal(t, int32(1), refreshes.Load())
	require.Len(t, saved, 1, "an unchanged token is not saved again")
}

func TestOAuth2TokenSourceSaveFailureFailsTheToken(t *testing.T) {
	t.Parallel()
	conf, _ := tokenEndpoint(t)
	cfg := connector.Config{
		Credentials:     connector.Credentials{OAuth2: &oauth2.Token{AccessToken: "old", RefreshToken: "rt-0", Expiry: time.Now().Add(-time.Minute)}},
		SaveCredentials: func(context.Context, connector.Credentials) error { return errors.New("database down") },
	}
	_, err := connector.OAuth2TokenSource(context.Background(), conf, cfg).Token()
	require.ErrorContains(t, err, "database down", "a token that could not be saved must not be used")
}

func TestOAuth2TokenSourceWithoutConfigOrToken(t *testing.T) {
	t.Parallel()
	valid := &oauth2.Token{AccessToken: "static", Expiry: time.Now().Add(time.Hour)}
	tok, err := connector.OAuth2TokenSource(context.Background(), nil, connector.Config{Credentials: connector.Credentials{OAuth2: valid}}).Token()
	require.NoError(t, err)
	require.Equal(t, "static", tok.AccessToken)

	require.Nil(t, connector.OAuth2TokenSource(context.Background(), nil, connector.Config{Credentials: connector.Credentials{Password: "pw"}}))

	shared := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "shared"})
	got := connector.OAuth2TokenSource(context.Background(), nil, connector.Config{TokenSource: shared, Credentials: connector.Credentials{OAuth2: valid}})
	tok, err = got.Token()
	require.NoError(t, err)
	require.Equal(t, "shared", tok.AccessToken, "Config.TokenSource wins over the stored token")
}
