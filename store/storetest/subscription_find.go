package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

func subscriptionIntegrations(subs []*store.Subscription) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = s.IntegrationID
	}
	return out
}

var subscriptionFindTests = map[string]func(*testing.T, *Harness){
	"FindSubscription": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		a := providerIntegration(t, h.Store, tenantA, "outlook")
		b := providerIntegration(t, h.Store, tenantB, "outlook")
		for _, in := range []*store.Integration{a, b} {
			require.NoError(t, h.Store.PutSubscription(ctx, subscription(in, "graph-"+in.TenantID, base)))
		}
		for _, in := range []*store.Integration{a, b} {
			got, err := h.Store.FindSubscription(ctx, "outlook", "graph-"+in.TenantID)
			require.NoError(t, err)
			require.Equal(t, in.TenantID, got.TenantID, "whatever the tenant")
			require.Equal(t, in.ID, got.IntegrationID)
			require.Equal(t, "client-state-of-graph-"+in.TenantID, got.ClientState)
		}
		for _, c := range []struct{ provider, id string }{
			{"gmail", "graph-" + tenantA}, {"outlook", "graph-unknown"}, {"outlook", ""}, {"", "graph-" + tenantA},
			{"outlook", "bad\x00id\xff"},
		} {
			_, err := h.Store.FindSubscription(ctx, c.provider, c.id)
			require.ErrorIs(t, err, store.ErrNotFound, "%s %q", c.provider, c.id)
		}
	},
	"FindSubscriptions": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		a := providerIntegration(t, h.Store, tenantA, "outlook")
		b := providerIntegration(t, h.Store, tenantB, "outlook")
		g := providerIntegration(t, h.Store, tenantA, "gmail")
		for _, in := range []*store.Integration{a, b, g} {
			require.NoError(t, h.Store.PutSubscription(ctx, subscription(in, "graph-"+in.TenantID, base)))
		}
		ids := []string{"graph-" + tenantA, "graph-unknown", "", "bad\x00id\xff", "graph-" + tenantB, "graph-" + tenantA}
		got, err := h.Store.FindSubscriptions(ctx, "outlook", ids)
		require.NoError(t, err)
		require.Len(t, got, 2, "the known ids of the provider, once each")
		for _, in := range []*store.Integration{a, b} {
			sub := got["graph-"+in.TenantID]
			require.NotNil(t, sub, in.TenantID)
			require.Equal(t, in.TenantID, sub.TenantID, "whatever the tenant")
			require.Equal(t, in.ID, sub.IntegrationID)
			require.Equal(t, "outlook", sub.Provider)
			require.Equal(t, "client-state-of-graph-"+in.TenantID, sub.ClientState)
		}

		got, err = h.Store.FindSubscriptions(ctx, "gmail", ids)
		require.NoError(t, err)
		require.Len(t, got, 1, "ids are per provider")
		require.Equal(t, g.ID, got["graph-"+tenantA].IntegrationID)

		for _, none := range [][]string{nil, {}, {"graph-unknown", ""}} {
			got, err = h.Store.FindSubscriptions(ctx, "outlook", none)
			require.NoError(t, err)
			require.NotNil(t, got, "none is an empty map")
			require.Empty(t, got)
		}
		got, err = h.Store.FindSubscriptions(ctx, "", ids)
		require.NoError(t, err)
		require.Empty(t, got)

		tooMany := make([]string, store.MaxFindSubscriptions+1)
		for i := range tooMany {
			tooMany[i] = fmt.Sprintf("graph-%d", i)
		}
		_, err = h.Store.FindSubscriptions(ctx, "outlook", tooMany)
		require.ErrorIs(t, err, store.ErrInvalid)
		got, err = h.Store.FindSubscriptions(ctx, "outlook", tooMany[:store.MaxFindSubscriptions])
		require.NoError(t, err)
		require.Empty(t, got)
	},
	"IDConflict": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		a1 := providerIntegration(t, h.Store, tenantA, "outlook")
		a2 := providerIntegration(t, h.Store, tenantA, "outlook")
		b := providerIntegration(t, h.Store, tenantB, "outlook")
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(a1, "dup", base)))
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(a1, "dup", base)), "replacing its own is no conflict")
		for _, in := range []*store.Integration{a2, b} {
			require.ErrorIs(t, h.Store.PutSubscription(ctx, subscription(in, "dup", base)), store.ErrConflict)
			_, err := h.Store.GetSubscription(ctx, in.TenantID, in.ID)
			require.ErrorIs(t, err, store.ErrNotFound, "a conflict stores nothing")
		}
		g := providerIntegration(t, h.Store, tenantA, "gmail")
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(g, "dup", base)), "ids are unique per provider")

		// A conflicting replace leaves the subscription as it was.
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(b, "b-1", base)))
		require.ErrorIs(t, h.Store.PutSubscription(ctx, subscription(b, "dup", base)), store.ErrConflict)
		got, err := h.Store.FindSubscription(ctx, "outlook", "b-1")
		require.NoError(t, err)
		require.Equal(t, b.ID, got.IntegrationID)
		got, err = h.Store.FindSubscription(ctx, "outlook", "dup")
		require.NoError(t, err)
		require.Equal(t, a1.ID, got.IntegrationID)

		// Once its holder moves on, the id is free.
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(a1, "a-2", base)))
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(b, "dup", base)))
		got, err = h.Store.FindSubscription(ctx, "outlook", "dup")
		require.NoError(t, err)
		require.Equal(t, b.ID, got.IntegrationID)
	},
	"FindSubscriptionsByAddress": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		gmail := func(tenant, address string) *store.Integration {
			in := providerIntegration(t, h.Store, tenant, "gmail")
			sub := subscription(in, "", base)
			sub.Address, sub.ClientState = address, ""
			require.NoError(t, h.Store.PutSubscription(ctx, sub))
			return in
		}
		a1 := gmail(tenantA, "Support@Example.com")
		b := gmail(tenantB, "support@example.com")
		a2 := gmail(tenantA, "other@example.com")
		gmail(tenantA, "")
		outlook := providerIntegration(t, h.Store, tenantA, "outlook")
		require.NoError(t, h.Store.PutSubscription(ctx, subscription(outlook, "graph-1", base)))

		want := []string{a1.ID, b.ID}
		slices.Sort(want)
		got, err := h.Store.FindSubscriptionsByAddress(ctx, "gmail", "SUPPORT@example.COM")
		require.NoError(t, err)
		require.Equal(t, want, subscriptionIntegrations(got), "both tenants', in integration id order")
		for _, sub := range got {
			require.Equal(t, "gmail", sub.Provider)
			require.Equal(t, "support@example.com", sub.Address)
		}
		require.NotEqual(t, got[0].TenantID, got[1].TenantID)

		for _, address := range []string{"nobody@example.com", "", "bad\x00address\xff"} {
			none, err := h.Store.FindSubscriptionsByAddress(ctx, "gmail", address)
			require.NoError(t, err)
			require.NotNil(t, none, "none is an empty slice")
			require.Empty(t, none, address)
		}

		// Moving a subscription to another address moves it in the index.
		moved := subscription(a1, "", base)
		moved.Address = "Other@Example.com"
		require.NoError(t, h.Store.PutSubscription(ctx, moved))
		got, err = h.Store.FindSubscriptionsByAddress(ctx, "gmail", "support@example.com")
		require.NoError(t, err)
		require.Equal(t, []string{b.ID}, subscriptionIntegrations(got))
		want = []string{a1.ID, a2.ID}
		slices.Sort(want)
		got, err = h.Store.FindSubscriptionsByAddress(ctx, "gmail", "other@example.com")
		require.NoError(t, err)
		require.Equal(t, want, subscriptionIntegrations(got))
	},
	"DueSubscriptions": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		put := func(tenant string, expiry time.Time) *store.Integration {
			in := providerIntegration(t, h.Store, tenant, "outlook")
			require.NoError(t, h.Store.PutSubscription(ctx, subscription(in, "graph-"+in.ID, expiry)))
			return in
		}
		later := put(tenantA, base.Add(2*time.Hour))
		tie1 := put(tenantB, base.Add(time.Hour))
		soonest := put(tenantB, base)
		tie2 := put(tenantA, base.Add(time.Hour))
		put(tenantA, base.Add(3*time.Hour)) // at the bound: not before it
		put(tenantB, base.Add(24*time.Hour))
		ties := []string{tie1.ID, tie2.ID}
		slices.Sort(ties)
		want := append([]string{soonest.ID}, append(ties, later.ID)...)

		due, err := h.Store.DueSubscriptions(ctx, base.Add(3*time.Hour), 10)
		require.NoError(t, err)
		require.Equal(t, want, subscriptionIntegrations(due), "soonest first, ties by integration id, every tenant")
		require.Equal(t, "client-state-of-graph-"+soonest.ID, due[0].ClientState)
		require.True(t, base.Equal(due[0].Expiry))

		due, err = h.Store.DueSubscriptions(ctx, base.Add(3*time.Hour), 2)
		require.NoError(t, err)
		require.Equal(t, want[:2], subscriptionIntegrations(due))

		due, err = h.Store.DueSubscriptions(ctx, base, 10)
		require.NoError(t, err)
		require.Empty(t, due, "an expiry at the bound is not before it")
	},
}
