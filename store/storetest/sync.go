package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

var syncTests = map[string]func(*testing.T, *Harness){
	"InitialState": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		st, err := h.Store.SyncState(ctxFor(t), tenantA, in.ID)
		require.NoError(t, err)
		require.True(t, st.Cursor.IsZero())
		require.Zero(t, st.Version)
		_, err = h.Store.SyncState(ctxFor(t), tenantA, store.NewID())
		require.ErrorIs(t, err, store.ErrNotFound)
	},
	"CommitStoresMessagesAndCursor": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		msgs := messages(0, 3)
		res, err := h.Store.CommitSync(ctx, &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Version: 0, Cursor: "cursor-1", Messages: msgs,
		})
		require.NoError(t, err)
		require.Equal(t, connectorProviderIDs(msgs), storedProviderIDs(res.Inserted))
		require.EqualValues(t, 1, res.Version)
		for i, m := range res.Inserted {
			require.True(t, store.ValidID(m.ID))
			require.Equal(t, tenantA, m.TenantID)
			require.Equal(t, in.ID, m.IntegrationID)
			requireSameMessage(t, msgs[i], m)
		}

		st, err := h.Store.SyncState(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, connector.Cursor("cursor-1"), st.Cursor)
		require.EqualValues(t, 1, st.Version)
		require.False(t, st.UpdatedAt.IsZero())

		for i, want := range msgs {
			got, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, want.ProviderID)
			require.NoError(t, err)
			require.Equal(t, res.Inserted[i].ID, got.ID)
			requireSameMessage(t, want, got)
			require.True(t, got.DeletedAt.IsZero())
			byID, err := h.Store.GetMessage(ctx, tenantA, in.ID, got.ID)
			require.NoError(t, err)
			requireSameMessage(t, want, byID)
		}
		n, err := h.Store.CountMessages(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.EqualValues(t, 3, n)

		gotIn, err := h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.False(t, gotIn.LastSyncAt.IsZero(), "CommitSync must record the integration's last sync")
	},
	"CommitIsIdempotent": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		first := commit(t, h.Store, in, "c1", messages(0, 5))
		require.Len(t, first.Inserted, 5)
		again := commit(t, h.Store, in, "c2", messages(0, 5))
		require.Empty(t, again.Inserted)
		require.Zero(t, again.Updated)
		more := commit(t, h.Store, in, "c3", messages(3, 8))
		require.Equal(t, connectorProviderIDs(messages(5, 8)), storedProviderIDs(more.Inserted))
		n, err := h.Store.CountMessages(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.EqualValues(t, 8, n)
	},
	"DuplicateInBatchStoredOnce": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		a := message(1)
		b := message(1)
		b.Flags = []string{connector.FlagFlagged}
		res := commit(t, h.Store, in, "c1", []*connector.Message{a, message(2), b})
		require.Equal(t, []string{a.ProviderID, message(2).ProviderID}, storedProviderIDs(res.Inserted))
		got, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, a.ProviderID)
		require.NoError(t, err)
		require.Equal(t, []string{connector.FlagFlagged}, got.Flags, "the last copy in a batch wins")
	},
	"StaleVersionConflicts": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 1))
		for _, v := range []int64{0, 2, 7} {
			_, err := h.Store.CommitSync(ctx, &store.SyncCommit{
				TenantID: tenantA, IntegrationID: in.ID, Version: v, Cursor: "c-stale", Messages: messages(1, 3),
			})
			require.ErrorIs(t, err, store.ErrConflict, "version %d", v)
		}
		st, err := h.Store.SyncState(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, connector.Cursor("c1"), st.Cursor)
		require.EqualValues(t, 1, st.Version)
		n, err := h.Store.CountMessages(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
	},
	"EmptyCursorRejected": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		_, err := h.Store.CommitSync(ctxFor(t), &store.SyncCommit{TenantID: tenantA, IntegrationID: in.ID, Messages: messages(0, 1)})
		require.ErrorIs(t, err, store.ErrInvalid)
		n, err := h.Store.CountMessages(ctxFor(t), tenantA, in.ID)
		require.NoError(t, err)
		require.Zero(t, n)
	},
	"UpdatesKnownMessages": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 2))
		changed := message(0)
		changed.Flags = []string{connector.FlagSeen, connector.FlagAnswered}
		changed.Labels = []string{"Support", "Escalated"}
		changed.Folders = []string{"INBOX", "Archive"}
		changed.ThreadID = "thread-merged"
		res := commit(t, h.Store, in, "c2", []*connector.Message{changed, message(1)})
		require.Empty(t, res.Inserted)
		require.Equal(t, 1, res.Updated)
		got, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, changed.ProviderID)
		require.NoError(t, err)
		require.Equal(t, changed.Flags, got.Flags)
		require.Equal(t, changed.Labels, got.Labels)
		require.Equal(t, changed.Folders, got.Folders)
		require.Equal(t, "thread-merged", got.ThreadID)
	},
	"AppliesChanges": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 4))
		res := commit(t, h.Store, in, "c2", nil,
			connector.Change{Kind: connector.ChangeDeleted, ProviderID: message(0).ProviderID},
			connector.Change{Kind: connector.ChangeDeleted, ProviderID: "no-such-message"},
			connector.Change{Kind: connector.ChangeFlags, ProviderID: message(1).ProviderID, Flags: []string{connector.FlagFlagged}, Labels: []string{"VIP"}},
			connector.Change{Kind: connector.ChangeFlags, ProviderID: "no-such-message", Flags: []string{"x"}},
		)
		require.Equal(t, 1, res.Deleted)
		require.Equal(t, 1, res.Updated)
		require.False(t, res.Resync)

		gone, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(0).ProviderID)
		require.NoError(t, err, "a deleted message is kept, marked deleted")
		require.False(t, gone.DeletedAt.IsZero())
		flagged, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(1).ProviderID)
		require.NoError(t, err)
		require.Equal(t, []string{connector.FlagFlagged}, flagged.Flags)
		require.Equal(t, []string{"VIP"}, flagged.Labels)

		n, err := h.Store.CountMessages(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.EqualValues(t, 3, n)
		live, err := h.Store.ListMessages(ctx, tenantA, in.ID, store.ListMessagesOptions{})
		require.NoError(t, err)
		require.Equal(t, connectorProviderIDs(messages(1, 4)), storedProviderIDs(live.Items))
		all, err := h.Store.ListMessages(ctx, tenantA, in.ID, store.ListMessagesOptions{IncludeDeleted: true})
		require.NoError(t, err)
		require.Equal(t, connectorProviderIDs(messages(0, 4)), storedProviderIDs(all.Items))

		// Deleting again changes nothing; a resync marker is reported; a
		// message seen again is live again but not new.
		res = commit(t, h.Store, in, "c3", []*connector.Message{message(0)},
			connector.Change{Kind: connector.ChangeResync, Reason: "uidvalidity changed"})
		require.True(t, res.Resync)
		require.Empty(t, res.Inserted)
		back, err := h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(0).ProviderID)
		require.NoError(t, err)
		require.True(t, back.DeletedAt.IsZero())
		res = commit(t, h.Store, in, "c4", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderID: message(3).ProviderID})
		require.Equal(t, 1, res.Deleted)
		res = commit(t, h.Store, in, "c5", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderID: message(3).ProviderID})
		require.Zero(t, res.Deleted)
	},
	"EventsForInsertedOnly": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 2))
		st, err := h.Store.SyncState(ctx, tenantA, in.ID)
		require.NoError(t, err)
		var seen []string
		res, err := h.Store.CommitSync(ctx, &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Version: st.Version, Cursor: "c2",
			Messages: messages(0, 5),
			Events:   receivedEvents(&seen),
		})
		require.NoError(t, err)
		require.Equal(t, connectorProviderIDs(messages(2, 5)), seen)
		require.Len(t, res.Events, 3)
		for i, ev := range res.Events {
			got, err := h.Store.GetEvent(ctx, tenantA, ev.ID)
			require.NoError(t, err)
			require.Equal(t, "message.received", got.Type)
			require.Equal(t, store.EventPending, got.Status)
			require.Equal(t, in.ID, got.IntegrationID)
			require.JSONEq(t, fmt.Sprintf(`{"message_id":%q,"provider_id":%q}`, res.Inserted[i].ID, res.Inserted[i].ProviderID), string(got.Payload))
		}
	},
	"AtomicWhenEventsFail": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 1))
		boom := errors.New("injected failure between the message upsert and the cursor save")
		called := false
		_, err := h.Store.CommitSync(ctx, &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Version: 1, Cursor: "c2", Messages: messages(1, 4),
			Events: func(inserted []*store.Message) ([]*store.Event, error) {
				called = true
				require.Len(t, inserted, 3, "the messages must be written before the events callback")
				return nil, boom
			},
		})
		require.True(t, called)
		require.ErrorIs(t, err, boom)
		requireUnchanged(t, h, in, "c1", 1, 1)
	},
	"AtomicWhenEventsInvalid": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 1))
		_, err := h.Store.CommitSync(ctx, &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Version: 1, Cursor: "c2", Messages: messages(1, 4),
			Events: func(inserted []*store.Message) ([]*store.Event, error) {
				return []*store.Event{{TenantID: tenantA, IntegrationID: in.ID, Type: "", Payload: json.RawMessage(`{}`)}}, nil
			},
		})
		require.ErrorIs(t, err, store.ErrInvalid)
		requireUnchanged(t, h, in, "c1", 1, 1)
	},
	"AtomicWhenCancelledMidCommit": func(t *testing.T, h *Harness) {
		in := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 1))
		ctx, cancel := context.WithCancel(ctxFor(t))
		defer cancel()
		res, err := h.Store.CommitSync(ctx, &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Version: 1, Cursor: "c2", Messages: messages(1, 4),
			Events: func(inserted []*store.Message) ([]*store.Event, error) {
				cancel() // the failure strikes after the upsert, before the cursor
				return nil, nil
			},
		})
		if err != nil {
			requireUnchanged(t, h, in, "c1", 1, 1)
			return
		}
		// A store that finished anyway must have finished everything.
		require.Len(t, res.Inserted, 3)
		requireUnchanged(t, h, in, "c2", 2, 4)
	},
	"ConcurrentCommittersInsertOnce": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		all := messages(0, 60)
		const workers = 6
		var inserted, events atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(w), 7))
				order := r.Perm(len(all))
				for start := 0; start < len(order); start += 15 {
					var batch []*connector.Message
					for _, i := range order[start:min(start+15, len(order))] {
						batch = append(batch, all[i])
					}
					for attempt := 0; ; attempt++ {
						st, err := h.Store.SyncState(ctx, tenantA, in.ID)
						if err != nil {
							errs <- err
							return
						}
						res, err := h.Store.CommitSync(ctx, &store.SyncCommit{
							TenantID: tenantA, IntegrationID: in.ID, Version: st.Version,
							Cursor: connector.Cursor(fmt.Sprintf("w%d-%d", w, start)), Messages: batch,
							Events: receivedEvents(nil),
						})
						if errors.Is(err, store.ErrConflict) && attempt < 1000 {
							continue
						}
						if err != nil {
							errs <- err
							return
						}
						inserted.Add(int64(len(res.Inserted)))
						events.Add(int64(len(res.Events)))
						break
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.EqualValues(t, len(all), inserted.Load(), "every message must be reported inserted exactly once")
		require.EqualValues(t, len(all), events.Load())
		n, err := h.Store.CountMessages(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.EqualValues(t, len(all), n)
		evs := allPages(t, 100, func(o store.ListOptions) (*store.Page[*store.Event], error) {
			return h.Store.ListEvents(ctx, tenantA, store.ListEventsOptions{ListOptions: o})
		})
		require.Len(t, evs, len(all))
	},
	"IntegrationsDoNotShareMessages": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		a := mustIntegration(t, h.Store, tenantA)
		b := mustIntegration(t, h.Store, tenantA)
		ra := commit(t, h.Store, a, "a1", messages(0, 3))
		rb := commit(t, h.Store, b, "b1", messages(0, 3))
		require.Len(t, ra.Inserted, 3)
		require.Len(t, rb.Inserted, 3, "the same provider id in another integration is another message")
		_, err := h.Store.GetMessage(ctx, tenantA, b.ID, ra.Inserted[0].ID)
		require.ErrorIs(t, err, store.ErrNotFound)
	},
}

// receivedEvents returns an Events callback making one message.received
// event per inserted message, recording their provider ids in seen.
func receivedEvents(seen *[]string) func([]*store.Message) ([]*store.Event, error) {
	return func(inserted []*store.Message) ([]*store.Event, error) {
		out := make([]*store.Event, len(inserted))
		for i, m := range inserted {
			if seen != nil {
				*seen = append(*seen, m.ProviderID)
			}
			payload, err := json.Marshal(map[string]string{"message_id": m.ID, "provider_id": m.ProviderID})
			if err != nil {
				return nil, err
			}
			out[i] = &store.Event{TenantID: m.TenantID, IntegrationID: m.IntegrationID, Type: "message.received", Payload: payload}
		}
		return out, nil
	}
}

// requireUnchanged checks the integration's cursor, version, message count
// and that it has no events.
func requireUnchanged(t *testing.T, h *Harness, in *store.Integration, cursor connector.Cursor, version, count int64) {
	t.Helper()
	ctx := ctxFor(t)
	st, err := h.Store.SyncState(ctx, in.TenantID, in.ID)
	require.NoError(t, err)
	require.Equal(t, cursor, st.Cursor, "cursor")
	require.Equal(t, version, st.Version, "version")
	n, err := h.Store.CountMessages(ctx, in.TenantID, in.ID)
	require.NoError(t, err)
	require.Equal(t, count, n, "messages stored")
	if cursor == "c1" {
		evs, err := h.Store.ListEvents(ctx, in.TenantID, store.ListEventsOptions{IntegrationID: in.ID})
		require.NoError(t, err)
		require.Empty(t, evs.Items, "events of a rolled-back commit")
	}
}
