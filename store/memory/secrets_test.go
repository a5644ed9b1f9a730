package memory

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/secrets"
)

func TestHeapHoldsNoPlaintextSecret(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	const (
		password = "pw-Plaintext-4f3c2a"
		refresh  = "1//Refresh-9e8d7c"
		state    = "state-Raw-b00b1e5"
		verifier = "pkce-Verifier-c0c0a"
	)
	in := &store.Integration{TenantID: tenantA, Provider: "gmail", Name: "Visible name"}
	require.NoError(t, s.CreateIntegration(ctx, in, connector.Credentials{
		Username: "jane", Password: password, OAuth2: &oauth2.Token{RefreshToken: refresh},
	}))
	other := mustIntegration(t, s, tenantA)
	require.NoError(t, s.SetCredentials(ctx, tenantA, other.ID, connector.Credentials{Password: password}))
	require.NoError(t, s.CreateOAuthState(ctx, &store.OAuthState{
		State: state, TenantID: tenantA, IntegrationID: in.ID, Provider: "gmail",
		CodeVerifier: verifier, RedirectURI: "https://visible.example.com/cb", ExpiresAt: farFuture,
	}))

	// What the store holds, printed as a debugger or a heap dump would.
	s.mu.RLock()
	var held string
	for _, row := range s.t.integrations {
		held += fmt.Sprintf("%#v %s\n", *row, row.creds.Ciphertext)
	}
	for key, row := range s.t.oauthStates {
		held += fmt.Sprintf("%s %#v %s\n", key, *row, row.verifier.Ciphertext)
	}
	s.mu.RUnlock()
	raw, err := s.dump(ctx)
	require.NoError(t, err)

	for _, text := range []string{held, string(raw)} {
		require.Contains(t, text, "Visible name", "the dump misses the store's rows")
		require.Contains(t, text, "https://visible.example.com/cb", "the dump misses the OAuth states")
		require.Contains(t, text, stateKey(state), "OAuth states are kept by hash")
		for _, secret := range []string{password, refresh, state, verifier} {
			require.NotContains(t, text, secret)
		}
	}

	// The secrets are all there, sealed.
	creds, err := s.Credentials(ctx, tenantA, in.ID)
	require.NoError(t, err)
	require.Equal(t, password, creds.Password)
	require.Equal(t, refresh, creds.OAuth2.RefreshToken)
	got, err := s.ConsumeOAuthState(ctx, state, time.Now())
	require.NoError(t, err)
	require.Equal(t, verifier, got.CodeVerifier)
}

func TestCredentialsAreBoundToTheirIntegration(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	a := mustIntegration(t, s, tenantA)
	b := mustIntegration(t, s, tenantA)
	s.mu.Lock()
	s.t.integrations[b.ID].creds = s.t.integrations[a.ID].creds // a ciphertext moved to another row
	s.mu.Unlock()
	_, err := s.Credentials(ctx, tenantA, b.ID)
	require.ErrorIs(t, err, secrets.ErrOpen)
	require.NotContains(t, err.Error(), "pw")
}

func TestCredentialsSealedWithTheGivenKeyring(t *testing.T) {
	t.Parallel()
	key := make([]byte, secrets.KeySize)
	k, err := secrets.NewKey("k1", key)
	require.NoError(t, err)
	ring, err := secrets.NewKeyring(k)
	require.NoError(t, err)
	s := newStore(t, Options{Keyring: ring})
	in := mustIntegration(t, s, tenantA)

	s.mu.RLock()
	sealed := s.t.integrations[in.ID].creds
	s.mu.RUnlock()
	require.Equal(t, "k1", sealed.KeyID)
	plain, err := ring.Open(sealed, []byte("integration-credentials:"+in.ID))
	require.NoError(t, err, "credentials must be sealed as store/postgres seals them")
	require.JSONEq(t, `{"username":"u","password":"pw"}`, string(plain))
}

func TestClientStateIsBoundToItsIntegration(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	a := mustIntegration(t, s, tenantA)
	b := mustIntegration(t, s, tenantA)
	for _, in := range []*store.Integration{a, b} {
		require.NoError(t, s.PutSubscription(ctx, &store.Subscription{
			TenantID: tenantA, IntegrationID: in.ID, Provider: "outlook", ClientState: "state-of-" + in.ID, Expiry: farFuture,
		}))
	}
	s.mu.Lock()
	moved := *s.t.subscriptions[b.ID]
	moved.clientState = s.t.subscriptions[a.ID].clientState // a ciphertext moved to another row
	s.t.subscriptions[b.ID] = &moved
	s.mu.Unlock()
	_, err := s.GetSubscription(ctx, tenantA, b.ID)
	require.ErrorIs(t, err, secrets.ErrOpen)
	require.NotContains(t, err.Error(), "state-of-")
	got, err := s.GetSubscription(ctx, tenantA, a.ID)
	require.NoError(t, err)
	require.Equal(t, "state-of-"+a.ID, got.ClientState)
}
