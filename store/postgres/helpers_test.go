package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/secrets"
)

// newStore returns a Store on pool, closed when t ends.
func newStore(t testing.TB, pool *pgxpool.Pool, ring *secrets.Keyring) *postgres.Store {
	t.Helper()
	st, err := postgres.New(pool, postgres.Options{Keyring: ring})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	return st
}

func newKeyring(t testing.TB) *secrets.Keyring {
	t.Helper()
	ring, err := secrets.GenerateKeyring()
	require.NoError(t, err)
	return ring
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newIntegration creates an integration of tenant with creds.
func newIntegration(t testing.TB, st *postgres.Store, tenant string, creds connector.Credentials) *store.Integration {
	t.Helper()
	in := &store.Integration{TenantID: tenant, Provider: "imap", Name: "Support"}
	require.NoError(t, st.CreateIntegration(testContext(t), in, creds))
	return in
}
