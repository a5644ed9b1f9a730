package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// syncChangeTests check what a commit reports it changed
// (store.SyncResult.Changed): only real changes, with the state before
// and after; and moves (connector.ChangeMoved). They run in the Sync
// group.
var syncChangeTests = map[string]func(*testing.T, *Harness){
	"ChangedReportsFlagChangesOnce": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		first := commit(t, h.Store, in, "c1", messages(0, 3))
		require.Empty(t, first.Changed, "inserted messages are not changes")

		flagged := connector.Change{Kind: connector.ChangeFlags, ProviderID: message(1).ProviderID,
			Flags: []string{connector.FlagSeen, connector.FlagFlagged}, Labels: []string{"Support"}}
		res := commit(t, h.Store, in, "c2", nil, flagged)
		require.Len(t, res.Changed, 1)
		ch := res.Changed[0]
		require.Equal(t, first.Inserted[1].ID, ch.ID)
		require.Equal(t, tenantA, ch.TenantID)
		require.Equal(t, in.ID, ch.IntegrationID)
		require.Equal(t, message(1).ProviderID, ch.ProviderID)
		require.ElementsMatch(t, []string{connector.FlagSeen}, ch.Before.Flags)
		require.ElementsMatch(t, []string{connector.FlagSeen, connector.FlagFlagged}, ch.After.Flags)
		require.ElementsMatch(t, []string{"INBOX"}, ch.After.Folders)
		require.False(t, ch.Deleted)
		require.Empty(t, ch.PreviousProviderID)

		// The same state again, as a change or as the message: nothing.
		again := commit(t, h.Store, in, "c3", nil, flagged)
		require.Empty(t, again.Changed)
		m := message(1)
		m.Flags = []string{connector.FlagFlagged, connector.FlagSeen} // another order: the same set
		require.Empty(t, commit(t, h.Store, in, "c4", []*connector.Message{m}).Changed)
	},
	"ChangedReportsUpsertedState": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		first := commit(t, h.Store, in, "c1", messages(0, 2))
		m := message(0)
		m.Folders = []string{"Archive"}
		m.Labels = nil
		n := message(1)
		n.ThreadID = "another-thread" // a thread change alone is not reported
		res := commit(t, h.Store, in, "c2", []*connector.Message{m, n})
		require.Equal(t, 2, res.Updated)
		require.Len(t, res.Changed, 1)
		require.Equal(t, first.Inserted[0].ID, res.Changed[0].ID)
		require.ElementsMatch(t, []string{"INBOX"}, res.Changed[0].Before.Folders)
		require.ElementsMatch(t, []string{"Archive"}, res.Changed[0].After.Folders)
		require.ElementsMatch(t, []string{"Support"}, res.Changed[0].Before.Labels)
		require.Empty(t, res.Changed[0].After.Labels)
	},
	"ChangedReportsDeletionsOnce": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		first := commit(t, h.Store, in, "c1", messages(0, 3))
		res := commit(t, h.Store, in, "c2", nil,
			connector.Change{Kind: connector.ChangeDeleted, ProviderID: message(0).ProviderID},
			connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(7, 2)},
			connector.Change{Kind: connector.ChangeDeleted, ProviderID: "unknown"})
		require.Equal(t, 2, res.Deleted)
		require.Len(t, res.Changed, 2)
		ids := map[string]bool{}
		for _, ch := range res.Changed {
			require.True(t, ch.Deleted)
			require.False(t, ch.StateChanged())
			ids[ch.ID] = true
		}
		require.Equal(t, map[string]bool{first.Inserted[0].ID: true, first.Inserted[2].ID: true}, ids)
		again := commit(t, h.Store, in, "c3", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderID: message(0).ProviderID})
		require.Empty(t, again.Changed)
		require.Zero(t, again.Deleted)

		// It comes back: restored.
		back := commit(t, h.Store, in, "c4", []*connector.Message{message(0)})
		require.Len(t, back.Changed, 1)
		require.True(t, back.Changed[0].Restored)
		require.Equal(t, first.Inserted[0].ID, back.Changed[0].ID)
	},
	"ChangedSeenByAnnounce": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 2))
		st, err := h.Store.SyncState(ctx, tenantA, in.ID)
		require.NoError(t, err)
		var seen *store.SyncResult
		res, err := h.Store.CommitSync(ctx, &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Version: st.Version, Cursor: "c2",
			Messages: messages(2, 3),
			Changes:  []connector.Change{{Kind: connector.ChangeDeleted, ProviderID: message(0).ProviderID}},
			Announce: func(r *store.SyncResult) ([]*store.Event, error) {
				seen = r
				ev, err := store.NewEvent(tenantA, in.ID, "message.deleted", map[string]string{"id": r.Changed[0].ID})
				return []*store.Event{ev}, err
			},
		})
		require.NoError(t, err)
		require.NotNil(t, seen)
		require.Len(t, seen.Inserted, 1)
		require.Len(t, seen.Changed, 1)
		require.Equal(t, 1, seen.Deleted)
		require.Len(t, res.Events, 1)
		got, err := h.Store.GetEvent(ctx, tenantA, res.Events[0].ID)
		require.NoError(t, err)
		require.Equal(t, "message.deleted", got.Type)
	},
	"MoveKeepsTheMessage": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		first := commit(t, h.Store, in, "c1", messages(0, 2))
		target := movedCopy(message(0), "Archive/7/0", "imap:Archive;UIDVALIDITY=3;UID=9")
		res := commit(t, h.Store, in, "c2", []*connector.Message{target, message(5)},
			connector.Change{Kind: connector.ChangeVanished, ProviderRef: ref(7, 0)},
			connector.Change{Kind: connector.ChangeMoved, ProviderID: message(0).ProviderID, Target: target.ProviderID})
		require.Len(t, res.Inserted, 1, "the moved message is not inserted")
		require.Equal(t, message(5).ProviderID, res.Inserted[0].ProviderID)
		require.Len(t, res.Changed, 1)
		ch := res.Changed[0]
		require.Equal(t, first.Inserted[0].ID, ch.ID)
		require.Equal(t, message(0).ProviderID, ch.PreviousProviderID)
		require.Equal(t, target.ProviderID, ch.ProviderID)
		require.Equal(t, target.ProviderRef, ch.ProviderRef)
		require.ElementsMatch(t, []string{"INBOX"}, ch.Before.Folders)
		require.ElementsMatch(t, []string{"Archive"}, ch.After.Folders)

		got, err := h.Store.GetMessage(ctx, tenantA, in.ID, first.Inserted[0].ID)
		require.NoError(t, err)
		require.Equal(t, target.ProviderID, got.ProviderID)
		require.Equal(t, target.ProviderRef, got.ProviderRef)
		require.Equal(t, []string{"Archive"}, got.Folders)
		require.True(t, got.DeletedAt.IsZero())
		_, err = h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(0).ProviderID)
		require.ErrorIs(t, err, store.ErrNotFound)

		// The deletion of the vanished ref that follows finds nothing; a
		// replay of the target is a known message with its state.
		later := commit(t, h.Store, in, "c3", []*connector.Message{target},
			connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(7, 0)})
		require.Empty(t, later.Changed)
		require.Empty(t, later.Inserted)
		n, err := h.Store.CountMessages(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.EqualValues(t, 3, n)
	},
	"MoveNeedsAVanishedRef": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 2))
		// A copy: the source is still where it was (its ref did not
		// vanish; another one did).
		target := movedCopy(message(0), "Archive/7/0", "imap:Archive;UIDVALIDITY=3;UID=9")
		res := commit(t, h.Store, in, "c2", []*connector.Message{target},
			connector.Change{Kind: connector.ChangeVanished, ProviderRef: ref(7, 1)},
			connector.Change{Kind: connector.ChangeMoved, ProviderID: message(0).ProviderID, Target: target.ProviderID},
			connector.Change{Kind: connector.ChangeMoved, ProviderID: "unknown", Target: target.ProviderID})
		require.Len(t, res.Inserted, 1)
		require.Empty(t, res.Changed)
		src, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(0).ProviderID)
		require.NoError(t, err)
		require.Equal(t, ref(7, 0), src.ProviderRef)

		// The source given again in the same commit is still there: not
		// a move either.
		other := movedCopy(message(1), "Archive/7/1", "imap:Archive;UIDVALIDITY=3;UID=10")
		res = commit(t, h.Store, in, "c3", []*connector.Message{message(1), other},
			connector.Change{Kind: connector.ChangeVanished, ProviderRef: ref(7, 1)},
			connector.Change{Kind: connector.ChangeMoved, ProviderID: message(1).ProviderID, Target: other.ProviderID})
		require.Len(t, res.Inserted, 1)
		require.Equal(t, other.ProviderID, res.Inserted[0].ProviderID)
		requireLive(t, h, in, message(1).ProviderID, true)
		n, err := h.Store.CountMessages(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.EqualValues(t, 4, n)
	},
	"DeletionScopedToAFolder": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		first := commit(t, h.Store, in, "c1", messages(0, 3))
		// message 0 moved to Archive with its id kept (Graph's immutable
		// ids): the target folder reports it, the source its removal.
		moved := message(0)
		moved.Folders = []string{"Archive"}
		res := commit(t, h.Store, in, "c2", []*connector.Message{moved},
			connector.Change{Kind: connector.ChangeDeleted, ProviderID: message(0).ProviderID, Folder: "INBOX"},
			connector.Change{Kind: connector.ChangeDeleted, ProviderID: message(1).ProviderID, Folder: "INBOX"},
			connector.Change{Kind: connector.ChangeDeleted, ProviderRef: ref(7, 2), Folder: "Archive"})
		require.Equal(t, 1, res.Deleted, "only message 1 was in the folder it left")
		require.Len(t, res.Changed, 2)
		for _, ch := range res.Changed {
			switch ch.ID {
			case first.Inserted[0].ID:
				require.False(t, ch.Deleted)
				require.ElementsMatch(t, []string{"Archive"}, ch.After.Folders)
			case first.Inserted[1].ID:
				require.True(t, ch.Deleted)
			default:
				t.Fatalf("unexpected change of %s", ch.ProviderID)
			}
		}
		requireLive(t, h, in, message(0).ProviderID, true)
		requireLive(t, h, in, message(1).ProviderID, false)
		requireLive(t, h, in, message(2).ProviderID, true)
	},
	"ApplyMessageUpdateReportsRealChanges": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		first := commit(t, h.Store, in, "c1", messages(0, 2))
		id := first.Inserted[0].ID
		var announced []*store.MessageChange
		update := func(u store.MessageUpdate) (*store.MessageChange, error) {
			u.TenantID, u.IntegrationID, u.ID = tenantA, in.ID, id
			u.Events = func(c *store.MessageChange) ([]*store.Event, error) {
				announced = append(announced, c)
				ev, err := store.NewEvent(tenantA, in.ID, "message.updated", map[string]string{"id": c.ID})
				return []*store.Event{ev}, err
			}
			return h.Store.ApplyMessageUpdate(ctx, &u)
		}
		moved := store.MessageState{Flags: []string{connector.FlagSeen}, Labels: []string{"Support"}, Folders: []string{"Archive"}}
		ch, err := update(store.MessageUpdate{ProviderID: "Archive/7/0", ProviderRef: "imap:Archive;UIDVALIDITY=3;UID=4", State: moved, Known: true})
		require.NoError(t, err)
		require.NotNil(t, ch)
		require.Equal(t, message(0).ProviderID, ch.PreviousProviderID)
		require.ElementsMatch(t, []string{"Archive"}, ch.After.Folders)
		require.Len(t, announced, 1)

		// The same again: nothing written, nothing announced.
		ch, err = update(store.MessageUpdate{ProviderID: "Archive/7/0", State: moved, Known: true})
		require.NoError(t, err)
		require.Nil(t, ch)
		require.Len(t, announced, 1)

		// A sync that then finds the message where the action put it sees
		// it known, with that state: no change.
		target := movedCopy(message(0), "Archive/7/0", "imap:Archive;UIDVALIDITY=3;UID=4")
		res := commit(t, h.Store, in, "c2", []*connector.Message{target})
		require.Empty(t, res.Inserted)
		require.Empty(t, res.Changed)

		ch, err = update(store.MessageUpdate{Deleted: true})
		require.NoError(t, err)
		require.True(t, ch.Deleted)
		require.Len(t, announced, 2)
		ch, err = update(store.MessageUpdate{Deleted: true})
		require.NoError(t, err)
		require.Nil(t, ch)

		// Another message's provider id: a conflict, nothing changed.
		_, err = h.Store.ApplyMessageUpdate(ctx, &store.MessageUpdate{TenantID: tenantA, IntegrationID: in.ID,
			ID: first.Inserted[1].ID, ProviderID: "Archive/7/0"})
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = h.Store.ApplyMessageUpdate(ctx, &store.MessageUpdate{TenantID: tenantB, IntegrationID: in.ID, ID: id, Deleted: true})
		require.ErrorIs(t, err, store.ErrNotFound)
	},
}

// movedCopy returns m as found in another folder: a new provider id
// and ref, and that folder.
func movedCopy(m *connector.Message, providerID, ref string) *connector.Message {
	c := m.Clone()
	c.ProviderID, c.ProviderRef = providerID, ref
	c.Folders = []string{"Archive"}
	return c
}
