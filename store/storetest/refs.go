package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// syncRefTests check how a store keeps provider refs (a message's
// current address, which may change while its provider id stays) and
// resolves changes that name a message by its ref. They run in the Sync
// group.
var syncRefTests = map[string]func(*testing.T, *Harness){
	"RefStored": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		msgs := append(messages(0, 2), withRef(message(2), ""))
		res := commit(t, h.Store, in, "c1", msgs)
		require.Len(t, res.Inserted, 3)
		for i, want := range msgs {
			require.Equal(t, want.ProviderRef, res.Inserted[i].ProviderRef)
			got, err := h.Store.GetMessage(ctx, tenantA, in.ID, res.Inserted[i].ID)
			require.NoError(t, err)
			require.Equal(t, want.ProviderRef, got.ProviderRef)
			got, err = h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, want.ProviderID)
			require.NoError(t, err)
			require.Equal(t, want.ProviderRef, got.ProviderRef)
		}
		page, err := h.Store.ListMessages(ctx, tenantA, in.ID, store.ListMessagesOptions{})
		require.NoError(t, err)
		require.Equal(t, []string{ref(7, 0), ref(7, 1), ""}, providerRefs(page.Items))
	},
	"RefChangesOnResync": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		first := commit(t, h.Store, in, "c1", messages(0, 3))
		before := getMessages(t, h, in, first.Inserted)

		// UIDVALIDITY went from 7 to 8: the connector starts over and
		// reports the same messages at new UIDs.
		var renumbered []*connector.Message
		for n := range 3 {
			renumbered = append(renumbered, withRef(message(n), ref(8, 100+n)))
		}
		for _, cursor := range []connector.Cursor{"c2", "c3"} { // and once more, as a replay
			st, err := h.Store.SyncState(ctx, tenantA, in.ID)
			require.NoError(t, err)
			var seen []string
			res, err := h.Store.CommitSync(ctx, &store.SyncCommit{
				TenantID: tenantA, IntegrationID: in.ID, Version: st.Version, Cursor: cursor,
				Messages: renumbered,
				Changes:  []connector.Change{{Kind: connector.ChangeResync, Reason: "uidvalidity changed"}},
				Events:   receivedEvents(&seen),
			})
			require.NoError(t, err)
			require.True(t, res.Resync)
			require.Empty(t, res.Inserted, "a message at a new address is not a new message")
			require.Empty(t, seen, "the Events callback must not hear of re-keyed messages")
			require.Empty(t, res.Events)
			require.Zero(t, res.Updated, "a new ref alone is not an update")
			require.Zero(t, res.Deleted)
		}

		after := getMessages(t, h, in, first.Inserted)
		for n := range 3 {
			want := *before[n]
			want.ProviderRef = ref(8, 100+n)
			require.Equal(t, &want, after[n], "only the ref changes, not even UpdatedAt")
		}
		n, err := h.Store.CountMessages(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.EqualValues(t, 3, n)
		evs, err := h.Store.ListEvents(ctx, tenantA, store.ListEventsOptions{IntegrationID: in.ID})
		require.NoError(t, err)
		require.Empty(t, evs.Items)
	},
	"RefDeletes": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 2))
		commit(t, h.Store, in, "c2", []*connector.Message{withRef(message(0), ref(8, 0))})

		res := commit(t, h.Store, in, "c3", nil,
			connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(7, 0)},
			connector.Change{Kind: connector.ChangeDeleted, ProviderRef: "imap:no-such-ref"})
		require.Zero(t, res.Deleted, "the old ref names no message any more")
		requireLive(t, h, in, message(0).ProviderID, true)

		res = commit(t, h.Store, in, "c4", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(8, 0)})
		require.Equal(t, 1, res.Deleted)
		requireLive(t, h, in, message(0).ProviderID, false)
		requireLive(t, h, in, message(1).ProviderID, true)
		require.Equal(t, ref(8, 0), refOf(t, h, in, message(0).ProviderID), "a deleted message keeps its ref")

		res = commit(t, h.Store, in, "c5", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(8, 0)})
		require.Zero(t, res.Deleted, "deleting again changes nothing")
	},
	"RefFlags": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 2))
		res := commit(t, h.Store, in, "c2", nil,
			connector.Change{Kind: connector.ChangeFlags, ProviderRef: ref(7, 1), Flags: []string{connector.FlagFlagged}, Labels: []string{"VIP"}},
			connector.Change{Kind: connector.ChangeFlags, ProviderRef: "imap:no-such-ref", Flags: []string{"x"}})
		require.Equal(t, 1, res.Updated)
		got, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(1).ProviderID)
		require.NoError(t, err)
		require.Equal(t, []string{connector.FlagFlagged}, got.Flags)
		require.Equal(t, []string{"VIP"}, got.Labels)
		other, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(0).ProviderID)
		require.NoError(t, err)
		require.Equal(t, message(0).Flags, other.Flags)

		// Changes apply in the order given, whichever way they name the
		// message: the last one wins.
		byID := func(f string) connector.Change {
			return connector.Change{Kind: connector.ChangeFlags, ProviderID: message(1).ProviderID, Flags: []string{f}}
		}
		byRef := func(f string) connector.Change {
			return connector.Change{Kind: connector.ChangeFlags, ProviderRef: ref(7, 1), Flags: []string{f}}
		}
		for i, tc := range []struct {
			changes []connector.Change
			want    string
		}{
			{[]connector.Change{byID(connector.FlagAnswered), byRef(connector.FlagDraft)}, connector.FlagDraft},
			{[]connector.Change{byRef(connector.FlagSeen), byID(connector.FlagAnswered)}, connector.FlagAnswered},
			{[]connector.Change{byRef(connector.FlagSeen), byRef(connector.FlagDeleted)}, connector.FlagDeleted},
		} {
			res := commit(t, h.Store, in, connector.Cursor(fmt.Sprintf("c%d", 3+i)), nil, tc.changes...)
			require.Equal(t, 1, res.Updated, "case %d", i)
			got, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(1).ProviderID)
			require.NoError(t, err)
			require.Equal(t, []string{tc.want}, got.Flags, "case %d", i)
		}
	},
	"RefResolvedAfterMessages": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 2))
		// One batch moves message 0 to a new ref and inserts message 2;
		// its changes name both by the refs the batch gave them, and
		// message 0 by the ref it had before the batch.
		res := commit(t, h.Store, in, "c2",
			[]*connector.Message{withRef(message(0), ref(8, 0)), withRef(message(2), ref(8, 2))},
			connector.Change{Kind: connector.ChangeFlags, ProviderRef: ref(8, 0), Flags: []string{connector.FlagFlagged}},
			connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(7, 0)},
			connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(8, 2)})
		require.Equal(t, []string{message(2).ProviderID}, storedProviderIDs(res.Inserted))
		require.False(t, res.Inserted[0].DeletedAt.IsZero(), "an inserted message is reported as stored, deleted")
		require.Equal(t, 1, res.Updated)
		require.Equal(t, 1, res.Deleted)

		m0, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(0).ProviderID)
		require.NoError(t, err)
		require.Equal(t, ref(8, 0), m0.ProviderRef)
		require.Equal(t, []string{connector.FlagFlagged}, m0.Flags)
		require.True(t, m0.DeletedAt.IsZero(), "the ref message 0 had before the batch must not find it")
		requireLive(t, h, in, message(2).ProviderID, false)
		requireLive(t, h, in, message(1).ProviderID, true)
	},
	"RefTakenOver": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		first := commit(t, h.Store, in, "c1", messages(0, 2))
		before := getMessages(t, h, in, first.Inserted)

		// Message 1 is now where message 0 was: it takes the ref, and
		// message 0 is left without one.
		res := commit(t, h.Store, in, "c2", []*connector.Message{withRef(message(1), ref(7, 0))})
		require.Empty(t, res.Inserted)
		require.Zero(t, res.Updated)
		after := getMessages(t, h, in, first.Inserted)
		require.Equal(t, []string{"", ref(7, 0)}, providerRefs(after))
		require.Equal(t, before[0].UpdatedAt, after[0].UpdatedAt, "losing a ref is not an update")

		res = commit(t, h.Store, in, "c3", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(7, 0)})
		require.Equal(t, 1, res.Deleted)
		requireLive(t, h, in, message(0).ProviderID, true)
		requireLive(t, h, in, message(1).ProviderID, false)
		res = commit(t, h.Store, in, "c4", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(7, 1)})
		require.Zero(t, res.Deleted, "message 1's old ref is free")

		// A new message takes a ref from a stored one.
		res = commit(t, h.Store, in, "c5", []*connector.Message{withRef(message(5), ref(7, 0))})
		require.Len(t, res.Inserted, 1)
		require.Equal(t, ref(7, 0), res.Inserted[0].ProviderRef)
		require.Empty(t, refOf(t, h, in, message(1).ProviderID))
		res = commit(t, h.Store, in, "c6", nil, connector.Change{Kind: connector.ChangeFlags, ProviderRef: ref(7, 0), Flags: []string{"x"}})
		require.Equal(t, 1, res.Updated)
		got, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(5).ProviderID)
		require.NoError(t, err)
		require.Equal(t, []string{"x"}, got.Flags)
	},
	"RefTakenWithinBatch": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		// The last message given with a ref holds it, as if the batch's
		// messages were upserted one after the other.
		batch := []*connector.Message{
			withRef(message(0), "imap:r"), withRef(message(1), "imap:r"), withRef(message(2), "imap:s"),
			withRef(message(2), "imap:t"), withRef(message(3), "imap:s"),
		}
		res := commit(t, h.Store, in, "c1", batch)
		require.Equal(t, []string{"", "imap:r", "imap:t", "imap:s"}, providerRefs(res.Inserted))
		require.Equal(t, []string{"", "imap:r", "imap:t", "imap:s"}, providerRefs(getMessages(t, h, in, res.Inserted)))

		// Two stored messages swap refs in one batch.
		res = commit(t, h.Store, in, "c2", []*connector.Message{withRef(message(2), "imap:s"), withRef(message(3), "imap:t")})
		require.Zero(t, res.Updated)
		for pid, want := range map[string]string{message(2).ProviderID: "imap:s", message(3).ProviderID: "imap:t"} {
			got, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, pid)
			require.NoError(t, err)
			require.Equal(t, want, got.ProviderRef, pid)
		}
		res = commit(t, h.Store, in, "c3", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderRef: "imap:s"})
		require.Equal(t, 1, res.Deleted)
		requireLive(t, h, in, message(2).ProviderID, false)
		requireLive(t, h, in, message(3).ProviderID, true)

		// A message given a ref, then again with another, took the first
		// from its holder and left it free.
		res = commit(t, h.Store, in, "c4", []*connector.Message{withRef(message(4), "imap:t"), withRef(message(4), "imap:u")},
			connector.Change{Kind: connector.ChangeDeleted, ProviderRef: "imap:t"})
		require.Equal(t, []string{"imap:u"}, providerRefs(res.Inserted))
		require.Zero(t, res.Deleted, "nobody holds imap:t")
		require.Empty(t, refOf(t, h, in, message(3).ProviderID))
		requireLive(t, h, in, message(3).ProviderID, true)
		requireLive(t, h, in, message(4).ProviderID, true)
	},
	"RefCleared": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 1))
		res := commit(t, h.Store, in, "c2", []*connector.Message{withRef(message(0), "")})
		require.Zero(t, res.Updated)
		require.Empty(t, refOf(t, h, in, message(0).ProviderID), "an upsert without a ref clears it")
		res = commit(t, h.Store, in, "c3", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(7, 0)})
		require.Zero(t, res.Deleted)
		requireLive(t, h, in, message(0).ProviderID, true)
	},
	"RefIgnoredWhenIDGiven": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 2))
		res := commit(t, h.Store, in, "c2", nil,
			connector.Change{Kind: connector.ChangeDeleted, ProviderID: message(0).ProviderID, ProviderRef: ref(7, 1)})
		require.Equal(t, 1, res.Deleted)
		requireLive(t, h, in, message(0).ProviderID, false)
		requireLive(t, h, in, message(1).ProviderID, true)

		// An id no message has is ignored, even with a ref that one has.
		res = commit(t, h.Store, in, "c3", nil,
			connector.Change{Kind: connector.ChangeDeleted, ProviderID: "no-such-message", ProviderRef: ref(7, 1)},
			connector.Change{Kind: connector.ChangeFlags, ProviderID: "no-such-message", ProviderRef: ref(7, 1), Flags: []string{"x"}})
		require.Zero(t, res.Deleted)
		require.Zero(t, res.Updated)
		got, err := h.Store.GetMessageByProviderID(ctxFor(t), tenantA, in.ID, message(1).ProviderID)
		require.NoError(t, err)
		require.True(t, got.DeletedAt.IsZero())
		require.Equal(t, message(1).Flags, got.Flags)
	},
	"RefsPerIntegration": func(t *testing.T, h *Harness) {
		a := mustIntegration(t, h.Store, tenantA)
		b := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, a, "a1", messages(0, 2))
		commit(t, h.Store, b, "b1", messages(0, 2))

		res := commit(t, h.Store, b, "b2", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(7, 0)})
		require.Equal(t, 1, res.Deleted)
		requireLive(t, h, a, message(0).ProviderID, true)
		requireLive(t, h, b, message(0).ProviderID, false)

		commit(t, h.Store, a, "a2", []*connector.Message{withRef(message(1), ref(7, 0))})
		require.Empty(t, refOf(t, h, a, message(0).ProviderID))
		require.Equal(t, ref(7, 0), refOf(t, h, b, message(0).ProviderID), "a ref taken in one integration stays in another")
	},
}

// getMessages reads msgs back by their store ids.
func getMessages(t *testing.T, h *Harness, in *store.Integration, msgs []*store.Message) []*store.Message {
	t.Helper()
	out := make([]*store.Message, len(msgs))
	for i, m := range msgs {
		got, err := h.Store.GetMessage(ctxFor(t), in.TenantID, in.ID, m.ID)
		require.NoError(t, err)
		out[i] = got
	}
	return out
}

// refOf returns the stored ref of the integration's message providerID.
func refOf(t *testing.T, h *Harness, in *store.Integration, providerID string) string {
	t.Helper()
	got, err := h.Store.GetMessageByProviderID(ctxFor(t), in.TenantID, in.ID, providerID)
	require.NoError(t, err)
	return got.ProviderRef
}

// requireLive checks whether the integration's message providerID is
// stored and not deleted (live) or stored and deleted.
func requireLive(t *testing.T, h *Harness, in *store.Integration, providerID string, live bool) {
	t.Helper()
	got, err := h.Store.GetMessageByProviderID(ctxFor(t), in.TenantID, in.ID, providerID)
	require.NoError(t, err)
	require.Equal(t, live, got.DeletedAt.IsZero(), "message %s: want live=%v", providerID, live)
}

func providerRefs(msgs []*store.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ProviderRef
	}
	return out
}
