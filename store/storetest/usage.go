package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

var usageTests = map[string]func(*testing.T, *Harness){
	"CountTenantIntegrations": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		n, err := h.Store.CountTenantIntegrations(ctx, tenantA)
		require.NoError(t, err)
		require.Zero(t, n)

		a1 := mustIntegration(t, h.Store, tenantA)
		mustIntegration(t, h.Store, tenantA)
		mustIntegration(t, h.Store, tenantB)
		disabled := newIntegration(tenantA, "custom", "off")
		disabled.Status = store.StatusDisabled
		require.NoError(t, h.Store.CreateIntegration(ctx, disabled, connector.Credentials{}))

		n, err = h.Store.CountTenantIntegrations(ctx, tenantA)
		require.NoError(t, err)
		require.EqualValues(t, 3, n, "every provider and status, this tenant's only")
		n, err = h.Store.CountTenantIntegrations(ctx, tenantB)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)

		require.NoError(t, h.Store.DeleteIntegration(ctx, tenantA, a1.ID))
		n, err = h.Store.CountTenantIntegrations(ctx, tenantA)
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
	},
	"PendingOutbox": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		usage := func(tenant string) store.OutboxUsage {
			t.Helper()
			u, err := h.Store.PendingOutbox(ctx, tenant)
			require.NoError(t, err)
			return u
		}
		require.Zero(t, usage(tenantA))

		in := mustIntegration(t, h.Store, tenantA)
		other := mustIntegration(t, h.Store, tenantA)
		e := outboxEntry(in, "key-1", "hash-1")
		size := store.MessageSize(&e.Message)
		require.EqualValues(t, len("Re: Réclamation")+len("We are on it.")+len("<p>We are on it.</p>")+len("%PDF-1.7\x00\x01\x02binary"), size)
		first, _, err := h.Store.CreateOutbox(ctx, e)
		require.NoError(t, err)
		_, _, err = h.Store.CreateOutbox(ctx, outboxEntry(in, "key-2", "hash-2"))
		require.NoError(t, err)
		_, _, err = h.Store.CreateOutbox(ctx, outboxEntry(other, "key-3", "hash-3"))
		require.NoError(t, err)
		_, created, err := h.Store.CreateOutbox(ctx, outboxEntry(in, "key-1", "hash-1"))
		require.NoError(t, err)
		require.False(t, created)
		_, _, err = h.Store.CreateOutbox(ctx, outboxEntry(mustIntegration(t, h.Store, tenantB), "key-1", "hash-1"))
		require.NoError(t, err)
		require.Equal(t, store.OutboxUsage{Entries: 3, Bytes: 3 * size}, usage(tenantA), "a replay counts once; tenant B's is B's")
		require.Equal(t, store.OutboxUsage{Entries: 1, Bytes: size}, usage(tenantB))

		// A sent (or failed) entry is not pending any more; one whose
		// attempt failed for now still is.
		_, err = h.Store.UpdateOutbox(ctx, tenantA, first.ID, func(e *store.OutboxEntry) ([]*store.Event, error) {
			e.Status, e.Attempts = store.OutboxSent, 1
			return nil, nil
		})
		require.NoError(t, err)
		require.Equal(t, store.OutboxUsage{Entries: 2, Bytes: 2 * size}, usage(tenantA))

		// Deleting an integration takes its entries with it.
		require.NoError(t, h.Store.DeleteIntegration(ctx, tenantA, other.ID))
		require.Equal(t, store.OutboxUsage{Entries: 1, Bytes: size}, usage(tenantA))
	},
}
