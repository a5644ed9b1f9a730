package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

// A state that names no mailbox (made before sign-ins were bound, by a
// process of the previous version) connects nothing, whoever signs in.
func TestCallbackRefusesUnboundState(t *testing.T) {
	t.Parallel()
	e := newGmailEnv(t)
	e.fake.SetConsent("support@example.com", false)
	st := &store.OAuthState{
		State: "old-state", TenantID: "tenant-gmail", Provider: providerGmail, CodeVerifier: "v",
		RedirectURI: e.base + "/auth/google/callback", Data: []byte(`{"name":"Support"}`),
		ExpiresAt: time.Now().Add(time.Minute),
	}
	require.NoError(t, e.app.store.CreateOAuthState(context.Background(), st))
	status, body := e.get(e.base + "/auth/google/callback?state=old-state&code=any")
	require.Equal(t, http.StatusBadRequest, status, "%s", body)
	require.Contains(t, string(body), probOAuthState)
	require.Empty(t, e.integrations())
}
