package postgres_test

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/secrets"
)

// TestCredentialsBoundToIntegration copies one integration's sealed
// credentials onto another's row, as an attacker with write access to the
// table might: the copy must not open.
func TestCredentialsBoundToIntegration(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	st := newStore(t, pool, newKeyring(t))
	ctx := testContext(t)
	victim := newIntegration(t, st, "tenant-a", connector.Credentials{Password: "victim-secret-pw"})
	thief := newIntegration(t, st, "tenant-b", connector.Credentials{Password: "thief-pw"})

	tag, err := pool.Exec(ctx, `
		UPDATE integration_credentials t SET key_id = v.key_id, ciphertext = v.ciphertext
		FROM integration_credentials v WHERE v.integration_id = $1 AND t.integration_id = $2`, victim.ID, thief.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1, tag.RowsAffected())

	_, err = st.Credentials(ctx, "tenant-b", thief.ID)
	require.ErrorIs(t, err, secrets.ErrOpen)
	require.NotContains(t, err.Error(), "victim-secret-pw")

	got, err := st.Credentials(ctx, "tenant-a", victim.ID)
	require.NoError(t, err)
	require.Equal(t, "victim-secret-pw", got.Password)
}

// TestCredentialsKeyRotation reads credentials sealed with an old key
// through a keyring whose current key is new, and seals anew with the new
// key.
func TestCredentialsKeyRotation(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := testContext(t)
	oldKey, newKey := newKey(t, "k1"), newKey(t, "k2")
	oldRing, err := secrets.NewKeyring(oldKey)
	require.NoError(t, err)
	rotated, err := secrets.NewKeyring(newKey, oldKey)
	require.NoError(t, err)
	newOnly, err := secrets.NewKeyring(newKey)
	require.NoError(t, err)

	before := newStore(t, pool, oldRing)
	in := newIntegration(t, before, "tenant", connector.Credentials{AppSecret: "whsec_1"})

	after := newStore(t, pool, rotated)
	got, err := after.Credentials(ctx, "tenant", in.ID)
	require.NoError(t, err)
	require.Equal(t, "whsec_1", got.AppSecret)

	_, err = newStore(t, pool, newOnly).Credentials(ctx, "tenant", in.ID)
	require.ErrorIs(t, err, secrets.ErrUnknownKey)

	require.NoError(t, after.SetCredentials(ctx, "tenant", in.ID, got))
	var keyID string
	require.NoError(t, pool.QueryRow(ctx, `SELECT key_id FROM integration_credentials WHERE integration_id = $1`, in.ID).Scan(&keyID))
	require.Equal(t, "k2", keyID)
	got, err = newStore(t, pool, newOnly).Credentials(ctx, "tenant", in.ID)
	require.NoError(t, err)
	require.Equal(t, "whsec_1", got.AppSecret)
}

// TestVerifierBoundToState moves a sealed PKCE verifier to another state's
// row: it must not open there.
func TestVerifierBoundToState(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	st := newStore(t, pool, newKeyring(t))
	ctx := testContext(t)
	exp := time.Now().Add(time.Hour)
	for _, s := range []string{"state-a", "state-b"} {
		require.NoError(t, st.CreateOAuthState(ctx, &store.OAuthState{
			State: s, TenantID: "tenant", Provider: "gmail", CodeVerifier: "verifier-of-" + s, ExpiresAt: exp,
		}))
	}
	_, err := pool.Exec(ctx, `
		UPDATE oauth_states b SET verifier_key_id = a.verifier_key_id, verifier_ciphertext = a.verifier_ciphertext
		FROM oauth_states a WHERE a.state_hash = sha256('state-a') AND b.state_hash = sha256('state-b')`)
	require.NoError(t, err)
	_, err = st.ConsumeOAuthState(ctx, "state-b", time.Now())
	require.ErrorIs(t, err, secrets.ErrOpen)
	require.NotContains(t, err.Error(), "verifier-of-state-a")
}

// TestClientStateBoundToIntegration copies one subscription's sealed
// client state onto another integration's row: the copy must not open,
// and the column holds no plaintext.
func TestClientStateBoundToIntegration(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	st := newStore(t, pool, newKeyring(t))
	ctx := testContext(t)
	victim := newIntegration(t, st, "tenant-a", connector.Credentials{})
	thief := newIntegration(t, st, "tenant-b", connector.Credentials{})
	for _, in := range []*store.Integration{victim, thief} {
		require.NoError(t, st.PutSubscription(ctx, &store.Subscription{
			TenantID: in.TenantID, IntegrationID: in.ID, Provider: "outlook", ID: "graph-" + in.TenantID,
			ClientState: "client-state-of-" + in.TenantID, Expiry: time.Now().Add(time.Hour),
		}))
	}
	var sealed []byte
	require.NoError(t, pool.QueryRow(ctx, `SELECT client_state FROM subscriptions WHERE integration_id = $1`, victim.ID).Scan(&sealed))
	require.NotContains(t, string(sealed), "client-state-of-tenant-a")

	tag, err := pool.Exec(ctx, `
		UPDATE subscriptions t SET client_state_key_id = v.client_state_key_id, client_state = v.client_state
		FROM subscriptions v WHERE v.integration_id = $1 AND t.integration_id = $2`, victim.ID, thief.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1, tag.RowsAffected())

	_, err = st.GetSubscription(ctx, "tenant-b", thief.ID)
	require.ErrorIs(t, err, secrets.ErrOpen)
	require.NotContains(t, err.Error(), "client-state-of-tenant-a")
	_, err = st.FindSubscription(ctx, "outlook", "graph-tenant-b")
	require.ErrorIs(t, err, secrets.ErrOpen)

	got, err := st.GetSubscription(ctx, "tenant-a", victim.ID)
	require.NoError(t, err)
	require.Equal(t, "client-state-of-tenant-a", got.ClientState)
}

func newKey(t *testing.T, id string) secrets.Key {
	t.Helper()
	material := make([]byte, secrets.KeySize)
	_, err := rand.Read(material)
	require.NoError(t, err)
	k, err := secrets.NewKey(id, material)
	require.NoError(t, err)
	return k
}
