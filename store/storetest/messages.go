package storetest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

var messageTests = map[string]func(*testing.T, *Harness){
	"ListPagesInStoredOrder": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 7))
		commit(t, h.Store, in, "c2", messages(7, 11))
		got := allPages(t, 4, func(o store.ListOptions) (*store.Page[*store.Message], error) {
			return h.Store.ListMessages(ctx, tenantA, in.ID, store.ListMessagesOptions{ListOptions: o})
		})
		require.Equal(t, connectorProviderIDs(messages(0, 11)), storedProviderIDs(got))
		for i, m := range got {
			requireSameMessage(t, message(i), m)
		}
	},
	"ListIsStableUnderInserts": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 6))
		p1, err := h.Store.ListMessages(ctx, tenantA, in.ID, store.ListMessagesOptions{ListOptions: store.ListOptions{Limit: 4}})
		require.NoError(t, err)
		require.Equal(t, connectorProviderIDs(messages(0, 4)), storedProviderIDs(p1.Items))
		commit(t, h.Store, in, "c2", messages(6, 8))
		rest := allPages(t, 4, func(o store.ListOptions) (*store.Page[*store.Message], error) {
			if o.Cursor == "" {
				o.Cursor = p1.NextCursor
			}
			return h.Store.ListMessages(ctx, tenantA, in.ID, store.ListMessagesOptions{ListOptions: o})
		})
		require.Equal(t, connectorProviderIDs(messages(4, 8)), storedProviderIDs(rest))
	},
	"ListUnknownIntegration": func(t *testing.T, h *Harness) {
		_, err := h.Store.ListMessages(ctxFor(t), tenantA, store.NewID(), store.ListMessagesOptions{})
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = h.Store.CountMessages(ctxFor(t), tenantA, store.NewID())
		require.ErrorIs(t, err, store.ErrNotFound)
	},
	"ListRejectsBadCursor": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		_, err := h.Store.ListMessages(ctxFor(t), tenantA, in.ID, store.ListMessagesOptions{ListOptions: store.ListOptions{Cursor: "nope"}})
		require.ErrorIs(t, err, store.ErrInvalidCursor)
	},
	"MinimalMessage": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		bare := &connector.Message{ProviderID: "bare-1"}
		res := commit(t, h.Store, in, "c1", []*connector.Message{bare})
		require.Len(t, res.Inserted, 1)
		got, err := h.Store.GetMessage(ctx, tenantA, in.ID, res.Inserted[0].ID)
		require.NoError(t, err)
		requireSameMessage(t, bare, got)
	},
	"LargeAndUnusualContent": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		m := message(1)
		m.Text = strings.Repeat("Ünïcödé 😀 text with 'quotes' and \"double\" and \\backslashes\\\n", 20_000)
		m.HTML = "<p>" + strings.Repeat("x", 1<<20) + "</p>"
		m.Subject = `Subject with ' " \ and emoji 📨`
		res := commit(t, h.Store, in, "c1", []*connector.Message{m})
		got, err := h.Store.GetMessage(ctx, tenantA, in.ID, res.Inserted[0].ID)
		require.NoError(t, err)
		requireSameMessage(t, m, got)
	},
	"MissingProviderIDRejected": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		st, err := h.Store.SyncState(ctxFor(t), tenantA, in.ID)
		require.NoError(t, err)
		_, err = h.Store.CommitSync(ctxFor(t), &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Version: st.Version, Cursor: "c1",
			Messages: []*connector.Message{message(1), {Subject: "no id"}},
		})
		require.ErrorIs(t, err, store.ErrInvalid)
		requireUnchanged(t, h, in, "", 0, 0)
	},
	"ReturnedValuesAreCopies": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		m := message(1)
		res := commit(t, h.Store, in, "c1", []*connector.Message{m})
		// Changing what was passed in or handed back changes nothing stored.
		m.Subject = "changed by caller"
		m.Flags[0] = "mutated"
		res.Inserted[0].Labels[0] = "mutated"
		res.Inserted[0].Headers["List-Id"][0] = "mutated"
		got, err := h.Store.GetMessage(ctx, tenantA, in.ID, res.Inserted[0].ID)
		require.NoError(t, err)
		requireSameMessage(t, message(1), got)
		got.Flags[0] = "mutated again"
		got2, err := h.Store.GetMessage(ctx, tenantA, in.ID, res.Inserted[0].ID)
		require.NoError(t, err)
		requireSameMessage(t, message(1), got2)
	},
}
