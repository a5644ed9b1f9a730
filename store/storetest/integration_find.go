package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

var integrationFindTests = map[string]func(*testing.T, *Harness){
	"FindIntegration": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		a := newIntegration(tenantA, "custom", "a")
		b := newIntegration(tenantB, "imap", "b")
		require.NoError(t, h.Store.CreateIntegration(ctx, a, connector.Credentials{}))
		require.NoError(t, h.Store.CreateIntegration(ctx, b, connector.Credentials{}))
		for _, want := range []*store.Integration{a, b} {
			got, err := h.Store.FindIntegration(ctx, want.ID)
			require.NoError(t, err)
			require.Equal(t, want.ID, got.ID)
			require.Equal(t, want.TenantID, got.TenantID, "whatever the tenant")
			require.Equal(t, want.Provider, got.Provider)
		}
		_, err := h.Store.FindIntegration(ctx, "not-an-id")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.NoError(t, h.Store.DeleteIntegration(ctx, tenantA, a.ID))
		_, err = h.Store.FindIntegration(ctx, a.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
	},
}
