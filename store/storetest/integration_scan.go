package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

var integrationScanTests = map[string]func(*testing.T, *Harness){
	"ScanCrossesTenants": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		var imapIDs, activeImap, all []string
		for i, c := range []struct{ tenant, provider string }{
			{tenantA, "imap"}, {tenantB, "imap"}, {tenantA, "custom"}, {tenantB, "imap"}, {tenantA, "imap"},
		} {
			in := newIntegration(c.tenant, c.provider, "n")
			require.NoError(t, h.Store.CreateIntegration(ctx, in, connector.Credentials{}))
			all = append(all, in.ID)
			if c.provider == "imap" {
				imapIDs = append(imapIDs, in.ID)
				if i == 1 {
					_, err := h.Store.UpdateIntegration(ctx, c.tenant, in.ID, func(in *store.Integration) error {
						in.Status = store.StatusDisabled
						return nil
					})
					require.NoError(t, err)
				} else {
					activeImap = append(activeImap, in.ID)
				}
			}
		}
		scan := func(opts store.ListIntegrationsOptions) []string {
			return integrationIDs(allPages(t, 2, func(o store.ListOptions) (*store.Page[*store.Integration], error) {
				opts.ListOptions = o
				return h.Store.ScanIntegrations(ctx, opts)
			}))
		}
		require.Equal(t, all, scan(store.ListIntegrationsOptions{}), "every tenant's, in id (creation) order")
		require.Equal(t, imapIDs, scan(store.ListIntegrationsOptions{Provider: "imap"}))
		require.Equal(t, activeImap, scan(store.ListIntegrationsOptions{Provider: "imap", Status: store.StatusActive}))
		_, err := h.Store.ScanIntegrations(ctx, store.ListIntegrationsOptions{Status: "bogus"})
		require.ErrorIs(t, err, store.ErrInvalid)
	},
}
