package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

var integrationCountTests = map[string]func(*testing.T, *Harness){
	"CountIntegrations": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		counts, err := h.Store.CountIntegrations(ctx)
		require.NoError(t, err)
		require.Empty(t, counts)

		for _, c := range []struct {
			tenant, provider string
			status           store.IntegrationStatus
		}{
			{tenantA, "imap", store.StatusActive},
			{tenantB, "imap", store.StatusActive},
			{tenantA, "imap", store.StatusDisabled},
			{tenantB, "custom", store.StatusActive},
			{tenantA, "gmail", store.StatusNeedsReauth},
		} {
			in := newIntegration(c.tenant, c.provider, "x")
			in.Status = c.status
			require.NoError(t, h.Store.CreateIntegration(ctx, in, connector.Credentials{}))
		}
		counts, err = h.Store.CountIntegrations(ctx)
		require.NoError(t, err)
		require.Equal(t, []store.IntegrationCount{
			{Provider: "custom", Status: store.StatusActive, Count: 1},
			{Provider: "gmail", Status: store.StatusNeedsReauth, Count: 1},
			{Provider: "imap", Status: store.StatusActive, Count: 2},
			{Provider: "imap", Status: store.StatusDisabled, Count: 1},
		}, counts, "every tenant's, by provider then status")
	},
}
