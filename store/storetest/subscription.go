package storetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// providerIntegration creates an integration of provider for tenant.
func providerIntegration(t *testing.T, s store.Store, tenant, provider string) *store.Integration {
	t.Helper()
	in := newIntegration(tenant, provider, "Push "+provider)
	require.NoError(t, s.CreateIntegration(ctxFor(t), in, connector.Credentials{}))
	return in
}

// subscription returns a subscription of in with every field set: the
// provider's id id, an address in mixed case and a client state derived
// from id.
func subscription(in *store.Integration, id string, expiry time.Time) *store.Subscription {
	return &store.Subscription{
		TenantID: in.TenantID, IntegrationID: in.ID, Provider: in.Provider, ID: id,
		Address: "Support@Example.COM", Resource: "me/mailFolders('Inbox')/messages",
		ClientState: "client-state-of-" + id, Cursor: "history-4242", Expiry: expiry,
	}
}

// requireSubscription checks that got is want as stored: the address
// lower-cased, times compared as instants.
func requireSubscription(t *testing.T, want, got *store.Subscription) {
	t.Helper()
	require.True(t, want.Expiry.Equal(got.Expiry), "expiry: want %v, got %v", want.Expiry, got.Expiry)
	require.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at: want %v, got %v", want.CreatedAt, got.CreatedAt)
	require.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "updated_at: want %v, got %v", want.UpdatedAt, got.UpdatedAt)
	w, g := *want, *got
	w.Address = strings.ToLower(w.Address)
	w.Expiry, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}
	g.Expiry, g.CreatedAt, g.UpdatedAt = time.Time{}, time.Time{}, time.Time{}
	require.Equal(t, w, g)
}

var subscriptionTests = map[string]func(*testing.T, *Harness){
	"PutGetReplace": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := providerIntegration(t, h.Store, tenantA, "outlook")
		sub := subscription(in, "graph-sub-1", base.Add(time.Hour))
		require.NoError(t, h.Store.PutSubscription(ctx, sub))
		require.False(t, sub.CreatedAt.IsZero())
		require.True(t, sub.CreatedAt.Equal(sub.UpdatedAt))
		got, err := h.Store.GetSubscription(ctx, tenantA, in.ID)
		require.NoError(t, err)
		requireSubscription(t, sub, got)
		require.Equal(t, "support@example.com", got.Address)
		require.Equal(t, "client-state-of-graph-sub-1", got.ClientState)

		// What was passed in and handed back are copies.
		sub.ClientState, sub.ID = "changed-after-put", "changed-after-put"
		got.ClientState, got.Resource = "changed-after-get", "changed-after-get"
		again, err := h.Store.GetSubscription(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, "client-state-of-graph-sub-1", again.ClientState)
		require.Equal(t, "graph-sub-1", again.ID)
		require.Equal(t, "me/mailFolders('Inbox')/messages", again.Resource)

		// Replacing keeps CreatedAt and drops what the new one lacks.
		time.Sleep(2 * time.Millisecond)
		repl := &store.Subscription{
			TenantID: tenantA, IntegrationID: in.ID, Provider: "outlook", ID: "graph-sub-2",
			Resource: "me/messages", Expiry: base.Add(2 * time.Hour),
		}
		require.NoError(t, h.Store.PutSubscription(ctx, repl))
		require.True(t, repl.CreatedAt.Equal(again.CreatedAt), "CreatedAt is kept on replace")
		require.True(t, repl.UpdatedAt.After(again.UpdatedAt))
		got, err = h.Store.GetSubscription(ctx, tenantA, in.ID)
		require.NoError(t, err)
		requireSubscription(t, repl, got)
		require.Empty(t, got.ClientState)
		_, err = h.Store.FindSubscription(ctx, "outlook", "graph-sub-1")
		require.ErrorIs(t, err, store.ErrNotFound, "the replaced id finds nothing")
		found, err := h.Store.FindSubscriptionsByAddress(ctx, "outlook", "support@example.com")
		require.NoError(t, err)
		require.Empty(t, found, "the replaced address finds nothing")
	},
	"PutValidates": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := providerIntegration(t, h.Store, tenantA, "outlook")
		for field, change := range map[string]func(*store.Subscription){
			"tenant_id":      func(s *store.Subscription) { s.TenantID = "" },
			"integration_id": func(s *store.Subscription) { s.IntegrationID = "" },
			"provider":       func(s *store.Subscription) { s.Provider = "" },
			"expiry":         func(s *store.Subscription) { s.Expiry = time.Time{} },
		} {
			sub := subscription(in, "invalid-"+field, base)
			change(sub)
			err := h.Store.PutSubscription(ctx, sub)
			require.ErrorIs(t, err, store.ErrInvalid, field)
			require.ErrorContains(t, err, field)
			require.True(t, sub.CreatedAt.IsZero(), field)
		}
		require.ErrorIs(t, h.Store.PutSubscription(ctx, nil), store.ErrInvalid)
		_, err := h.Store.GetSubscription(ctx, tenantA, in.ID)
		require.ErrorIs(t, err, store.ErrNotFound, "an invalid subscription stores nothing")

		valid := subscription(in, "valid", base)
		require.NoError(t, h.Store.PutSubscription(ctx, valid))
		bad := *valid
		bad.ID, bad.Expiry = "replaced", time.Time{}
		require.ErrorIs(t, h.Store.PutSubscription(ctx, &bad), store.ErrInvalid)
		got, err := h.Store.GetSubscription(ctx, tenantA, in.ID)
		require.NoError(t, err)
		requireSubscription(t, valid, got)

		for _, limit := range []int{0, -1} {
			_, err := h.Store.DueSubscriptions(ctx, base, limit)
			require.ErrorIs(t, err, store.ErrInvalid, "limit %d", limit)
		}
	},
	"UnknownIntegration": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := providerIntegration(t, h.Store, tenantA, "outlook")
		for name, sub := range map[string]*store.Subscription{
			"missing":          {TenantID: tenantA, IntegrationID: store.NewID()},
			"malformed":        {TenantID: tenantA, IntegrationID: "not-a-uuid"},
			"another tenant's": {TenantID: tenantB, IntegrationID: in.ID},
		} {
			sub.Provider, sub.ID, sub.Expiry = "outlook", "sub-"+name, base
			require.ErrorIs(t, h.Store.PutSubscription(ctx, sub), store.ErrNotFound, name)
			_, err := h.Store.FindSubscription(ctx, "outlook", "sub-"+name)
			require.ErrorIs(t, err, store.ErrNotFound, name)
		}
		_, err := h.Store.GetSubscription(ctx, tenantA, in.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
	},
	"TenantIsolation": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := providerIntegration(t, h.Store, tenantA, "outlook")
		sub := subscription(in, "graph-a", base)
		require.NoError(t, h.Store.PutSubscription(ctx, sub))

		_, err := h.Store.GetSubscription(ctx, tenantB, in.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		require.NoError(t, h.Store.DeleteSubscription(ctx, tenantB, in.ID), "removing none is not an error")
		theirs := subscription(in, "graph-b", base)
		theirs.TenantID = tenantB
		require.ErrorIs(t, h.Store.PutSubscription(ctx, theirs), store.ErrNotFound)

		got, err := h.Store.GetSubscription(ctx, tenantA, in.ID)
		require.NoError(t, err)
		requireSubscription(t, sub, got)
		for _, id := range []string{"", "not-a-uuid", store.NewID()} {
			_, err := h.Store.GetSubscription(ctx, tenantA, id)
			require.ErrorIs(t, err, store.ErrNotFound, id)
		}
	},
	"Delete": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := providerIntegration(t, h.Store, tenantA, "outlook")
		other := providerIntegration(t, h.Store, tenantB, "outlook")
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(in, "graph-1", base)))
		require.NoError(t, h.Store.DeleteSubscription(ctx, tenantA, in.ID))
		require.NoError(t, h.Store.DeleteSubscription(ctx, tenantA, in.ID), "removing none is not an error")
		require.NoError(t, h.Store.DeleteSubscription(ctx, tenantA, "not-a-uuid"))
		_, err := h.Store.GetSubscription(ctx, tenantA, in.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = h.Store.FindSubscription(ctx, "outlook", "graph-1")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err, "the integration stays")
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(other, "graph-1", base)), "the id is free again")
	},
	"DeletedWithItsIntegration": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := providerIntegration(t, h.Store, tenantA, "outlook")
		other := providerIntegration(t, h.Store, tenantB, "outlook")
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(in, "graph-1", base)))
		require.NoError(t, h.Store.DeleteIntegration(ctx, tenantA, in.ID))
		_, err := h.Store.GetSubscription(ctx, tenantA, in.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = h.Store.FindSubscription(ctx, "outlook", "graph-1")
		require.ErrorIs(t, err, store.ErrNotFound)
		found, err := h.Store.FindSubscriptionsByAddress(ctx, "outlook", "support@example.com")
		require.NoError(t, err)
		require.Empty(t, found)
		due, err := h.Store.DueSubscriptions(ctx, base.Add(time.Hour), 10)
		require.NoError(t, err)
		require.Empty(t, due)
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(other, "graph-1", base)), "the id is free again")
	},
	"ClientStateNotInJSON": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := providerIntegration(t, h.Store, tenantA, "outlook")
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(in, "graph-1", base)))
		got, err := h.Store.GetSubscription(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, "client-state-of-graph-1", got.ClientState)
		b, err := json.Marshal(got)
		require.NoError(t, err)
		require.Contains(t, string(b), `"id":"graph-1"`)
		require.NotContains(t, string(b), "client-state-of-graph-1")
	},
}
