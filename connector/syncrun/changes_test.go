package syncrun_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// scripted is a connector whose syncs hand out the batches queued for
// them: each Sync call takes the next run's batches.
type scripted struct {
	mu   sync.Mutex
	runs [][]*connector.Batch
}

func (s *scripted) next(batches ...*connector.Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs = append(s.runs, batches)
}

func (s *scripted) Sync(ctx context.Context, _ connector.Cursor, fn connector.BatchFunc) error {
	s.mu.Lock()
	var run []*connector.Batch
	if len(s.runs) > 0 {
		run, s.runs = s.runs[0], s.runs[1:]
	}
	s.mu.Unlock()
	for _, b := range run {
		if err := fn(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

func (*scripted) Test(context.Context) error { return nil }
func (*scripted) Send(context.Context, *connector.OutboundMessage) (*connector.SendResult, error) {
	return nil, errors.New("scripted: no sending")
}
func (*scripted) Provider() string { return "scripted" }

// mail returns the message with ProviderID folder+"/"+key, as an
// IMAP-like connector reports it in folder.
func mail(folder, key string, uid int, flags ...string) *connector.Message {
	return &connector.Message{
		ProviderID: folder + "/" + key, ProviderRef: fmt.Sprintf("%s;UIDVALIDITY=1/;UID=%d", folder, uid),
		MessageID: key + "@example.org", Subject: "About " + key,
		Folders: []string{folder}, Flags: flags,
	}
}

// changesRunner returns a Runner syncing the scripted connector sc into
// b, and the integration.
func changesRunner(t *testing.T, b *backend, sc *scripted) (*syncrun.Runner, *store.Integration, *published) {
	t.Helper()
	in := newIntegration(t, b.store, "scripted")
	r, pub := newRunner(t, b, nil, syncrun.Options{
		Connect: func(context.Context, *store.Integration) (connector.Connector, error) { return sc, nil },
	})
	return r, in, pub
}

// syncOnce runs one sync and requires it to complete.
func syncOnce(t *testing.T, r *syncrun.Runner, in *store.Integration) syncrun.Summary {
	t.Helper()
	s, err := r.Sync(t.Context(), in.TenantID, in.ID)
	require.NoError(t, err)
	require.Equal(t, syncrun.OutcomeCompleted, s.Outcome)
	return s
}

// eventsOf returns the stored events of type typ, in order.
func eventsOf(t *testing.T, st store.Store, in *store.Integration, typ string) []*store.Event {
	t.Helper()
	var out []*store.Event
	for _, ev := range storedEvents(t, st, in) {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

func decode[T any](t *testing.T, ev *store.Event) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(ev.Payload, &v))
	return v
}

// TestChangeEventsOncePerChange: a flag change is one message.updated
// with what changed and the new state; the same state reported again
// announces nothing; a deletion is one message.deleted; both are
// published.
func TestChangeEventsOncePerChange(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			sc := &scripted{}
			r, in, pub := changesRunner(t, b, sc)
			ctx := t.Context()

			sc.next(&connector.Batch{Messages: []*connector.Message{mail("INBOX", "a", 1, connector.FlagSeen), mail("INBOX", "b", 2)}, Cursor: "1"})
			syncOnce(t, r, in)
			stored, err := b.store.GetMessageByProviderID(ctx, in.TenantID, in.ID, "INBOX/a")
			require.NoError(t, err)

			flagged := connector.Change{Kind: connector.ChangeFlags, ProviderID: "INBOX/a", ProviderRef: "INBOX;UIDVALIDITY=1/;UID=1",
				Flags: []string{connector.FlagSeen, connector.FlagFlagged}}
			sc.next(&connector.Batch{Changes: []connector.Change{flagged}, Cursor: "2"})
			s := syncOnce(t, r, in)
			require.Equal(t, 1, s.Updated)
			updated := eventsOf(t, b.store, in, syncrun.EventMessageUpdated)
			require.Len(t, updated, 1)
			got := decode[syncrun.MessageUpdatedData](t, updated[0])
			require.Equal(t, syncrun.MessageUpdatedData{
				IntegrationID: in.ID, Source: syncrun.SourceSync,
				Message: syncrun.UpdatedMessage{ID: stored.ID, ProviderID: "INBOX/a",
					Flags: []string{connector.FlagFlagged, connector.FlagSeen}, Labels: []string{}, Folders: []string{"INBOX"}},
				Changes: syncrun.MessageChanges{Flags: &syncrun.SetChange{Added: []string{connector.FlagFlagged}, Removed: []string{}}},
			}, got)

			// The same state again, as a change and as the message.
			again := mail("INBOX", "a", 1, connector.FlagFlagged, connector.FlagSeen)
			sc.next(&connector.Batch{Messages: []*connector.Message{again}, Changes: []connector.Change{flagged}, Cursor: "3"})
			syncOnce(t, r, in)
			require.Len(t, eventsOf(t, b.store, in, syncrun.EventMessageUpdated), 1, "a state already stored announces nothing")

			sc.next(&connector.Batch{Changes: []connector.Change{{Kind: connector.ChangeDeleted, ProviderRef: "INBOX;UIDVALIDITY=1/;UID=2"}}, Cursor: "4"})
			syncOnce(t, r, in)
			sc.next(&connector.Batch{Changes: []connector.Change{{Kind: connector.ChangeDeleted, ProviderID: "INBOX/b"}}, Cursor: "5"})
			syncOnce(t, r, in)
			deleted := eventsOf(t, b.store, in, syncrun.EventMessageDeleted)
			require.Len(t, deleted, 1)
			other, err := b.store.GetMessageByProviderID(ctx, in.TenantID, in.ID, "INBOX/b")
			require.NoError(t, err)
			require.Equal(t, syncrun.MessageDeletedData{IntegrationID: in.ID, Source: syncrun.SourceSync,
				Message: syncrun.DeletedMessage{ID: other.ID, ProviderID: "INBOX/b"}}, decode[syncrun.MessageDeletedData](t, deleted[0]))

			types := pub.types()
			require.Equal(t, 1, types[syncrun.EventMessageUpdated])
			require.Equal(t, 1, types[syncrun.EventMessageDeleted])
			require.Equal(t, 2, types[syncrun.EventMessageReceived])
		})
	}
}

// TestMoveBetweenFoldersKeepsTheMessage: a message moved from INBOX to
// Archive, seen by the sync as a vanished ref and a new message with a
// ChangeMoved, keeps its id and is one message.updated (folders), never a
// message.deleted and a message.received: with the deletion in the same
// batch as the new message or in a later one (the order of the folders).
func TestMoveBetweenFoldersKeepsTheMessage(t *testing.T) {
	t.Parallel()
	orders := map[string]func(moved *connector.Message, vanished, move, deleted connector.Change) []*connector.Batch{
		"one batch": func(moved *connector.Message, vanished, move, deleted connector.Change) []*connector.Batch {
			return []*connector.Batch{{Messages: []*connector.Message{moved}, Changes: []connector.Change{vanished, move, deleted}, Cursor: "2"}}
		},
		"deletion in a later batch": func(moved *connector.Message, vanished, move, deleted connector.Change) []*connector.Batch {
			return []*connector.Batch{
				{Messages: []*connector.Message{moved}, Changes: []connector.Change{vanished, move}, Cursor: "2a"},
				{Changes: []connector.Change{deleted}, Cursor: "2b"},
			}
		},
	}
	for name, newBackend := range backends() {
		for order, batches := range orders {
			t.Run(name+"/"+order, func(t *testing.T) {
				t.Parallel()
				b := newBackend(t)
				sc := &scripted{}
				r, in, pub := changesRunner(t, b, sc)
				ctx := t.Context()
				sc.next(&connector.Batch{Messages: []*connector.Message{mail("INBOX", "a", 1), mail("Archive", "z", 1)}, Cursor: "1"})
				syncOnce(t, r, in)
				before, err := b.store.GetMessageByProviderID(ctx, in.TenantID, in.ID, "INBOX/a")
				require.NoError(t, err)

				moved := mail("Archive", "a", 2)
				sc.next(batches(moved,
					connector.Change{Kind: connector.ChangeVanished, ProviderRef: "INBOX;UIDVALIDITY=1/;UID=1"},
					connector.Change{Kind: connector.ChangeMoved, ProviderID: "INBOX/a", Target: "Archive/a"},
					connector.Change{Kind: connector.ChangeDeleted, ProviderRef: "INBOX;UIDVALIDITY=1/;UID=1"})...)
				s := syncOnce(t, r, in)
				require.Zero(t, s.Inserted)
				require.Zero(t, s.Deleted)

				after, err := b.store.GetMessageByProviderID(ctx, in.TenantID, in.ID, "Archive/a")
				require.NoError(t, err)
				require.Equal(t, before.ID, after.ID, "a move keeps the message's id")
				require.True(t, after.DeletedAt.IsZero())
				require.Equal(t, []string{"Archive"}, after.Folders)

				require.Equal(t, map[string]int{syncrun.EventMessageReceived: 2, syncrun.EventMessageUpdated: 1, syncrun.EventSyncCompleted: 2},
					eventTypes(storedEvents(t, b.store, in)))
				ev := decode[syncrun.MessageUpdatedData](t, eventsOf(t, b.store, in, syncrun.EventMessageUpdated)[0])
				require.Equal(t, before.ID, ev.Message.ID)
				require.Equal(t, "Archive/a", ev.Message.ProviderID)
				require.Equal(t, "INBOX/a", ev.Changes.PreviousProviderID)
				require.Equal(t, &syncrun.SetChange{Added: []string{"Archive"}, Removed: []string{"INBOX"}}, ev.Changes.Folders)
				require.Equal(t, 1, pub.types()[syncrun.EventMessageUpdated])
			})
		}
	}
}

// TestApplyActionResultRacingASync: an action's result applied after a
// sync already stored the same state announces nothing more; applied
// first, it announces the change once with source api, and the sync
// that then finds that state announces nothing. A message the provider
// no longer has is one message.deleted.
func TestApplyActionResultRacingASync(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			sc := &scripted{}
			r, in, _ := changesRunner(t, b, sc)
			ctx := t.Context()
			sc.next(&connector.Batch{Messages: []*connector.Message{mail("INBOX", "a", 1), mail("INBOX", "b", 2)}, Cursor: "1"})
			syncOnce(t, r, in)
			a, err := b.store.GetMessageByProviderID(ctx, in.TenantID, in.ID, "INBOX/a")
			require.NoError(t, err)

			// The API moves a to Archive (COPYUID gave it UID 7 there).
			res := connector.ActionResult{Ref: connector.MessageRef{ProviderID: a.ProviderID, ProviderRef: a.ProviderRef},
				ProviderID: "Archive/a", ProviderRef: "Archive;UIDVALIDITY=1/;UID=7", Folders: []string{"Archive"}, Known: true}
			events, err := syncrun.ApplyActionResult(ctx, b.store, a, res)
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, syncrun.EventMessageUpdated, events[0].Type)
			ev := decode[syncrun.MessageUpdatedData](t, events[0])
			require.Equal(t, syncrun.SourceAPI, ev.Source)
			require.Equal(t, a.ID, ev.Message.ID)
			require.Equal(t, "INBOX/a", ev.Changes.PreviousProviderID)

			// The sync then sees INBOX's UID gone and Archive's UID 7: the
			// message is known there, nothing to announce.
			sc.next(&connector.Batch{Messages: []*connector.Message{mail("Archive", "a", 7)},
				Changes: []connector.Change{{Kind: connector.ChangeDeleted, ProviderRef: "INBOX;UIDVALIDITY=1/;UID=1"}}, Cursor: "2"})
			s := syncOnce(t, r, in)
			require.Zero(t, s.Inserted)
			require.Zero(t, s.Deleted)
			require.Len(t, eventsOf(t, b.store, in, syncrun.EventMessageUpdated), 1)

			// A sync got there first: b flagged by the sync, then the
			// API's result of the same flag announces nothing.
			bm, err := b.store.GetMessageByProviderID(ctx, in.TenantID, in.ID, "INBOX/b")
			require.NoError(t, err)
			sc.next(&connector.Batch{Changes: []connector.Change{{Kind: connector.ChangeFlags, ProviderID: "INBOX/b", Flags: []string{connector.FlagFlagged}}}, Cursor: "3"})
			syncOnce(t, r, in)
			events, err = syncrun.ApplyActionResult(ctx, b.store, bm, connector.ActionResult{ProviderID: "INBOX/b",
				Flags: []string{connector.FlagFlagged}, Folders: []string{"INBOX"}, Known: true})
			require.NoError(t, err)
			require.Empty(t, events)
			require.Len(t, eventsOf(t, b.store, in, syncrun.EventMessageUpdated), 2)

			// A move whose new identity a sync already stored as a new
			// message: the sync owns it, nothing changes here.
			sc.next(&connector.Batch{Messages: []*connector.Message{mail("Archive", "b", 8)}, Cursor: "4"})
			syncOnce(t, r, in)
			events, err = syncrun.ApplyActionResult(ctx, b.store, bm, connector.ActionResult{ProviderID: "Archive/b",
				ProviderRef: "Archive;UIDVALIDITY=1/;UID=8", Folders: []string{"Archive"}, Known: true})
			require.NoError(t, err)
			require.Empty(t, events)
			still, err := b.store.GetMessage(ctx, in.TenantID, in.ID, bm.ID)
			require.NoError(t, err)
			require.Equal(t, "INBOX/b", still.ProviderID)

			events, err = syncrun.ApplyActionResult(ctx, b.store, bm, connector.ActionResult{Err: fmt.Errorf("gone: %w", connector.ErrNotFound)})
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, syncrun.EventMessageDeleted, events[0].Type)
			require.Equal(t, syncrun.SourceAPI, decode[syncrun.MessageDeletedData](t, events[0]).Source)
			require.Len(t, eventsOf(t, b.store, in, syncrun.EventMessageDeleted), 1)
		})
	}
}
