package imap

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// changeHarness syncs two Dovecot folders of the test's own through a
// syncrun.Runner with its default events into a memory store.
type changeHarness struct {
	t      *testing.T
	st     *memory.Store
	r      *syncrun.Runner
	in     *store.Integration
	adm    *admin
	a, b   string
	cfg    Config
	mu     sync.Mutex // Publish runs while the next batch commits
	events []*store.Event
}

// publish records published events.
func (h *changeHarness) publish(_ context.Context, events ...*store.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, events...)
}

// published returns the events published from the n-th on.
func (h *changeHarness) published(n int) []*store.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.events[n:])
}

func newChangeHarness(t *testing.T, folders func(a, b string) []string) *changeHarness {
	t.Helper()
	d := newDovecot(t)
	adm := newAdmin(t, d.addr, d.user, d.password)
	h := &changeHarness{t: t, adm: adm, a: d.folder(t, adm), b: d.folder(t, adm)}
	cfg := d.config(folders(h.a, h.b)...)
	cfg.BatchSize = 2
	h.cfg = cfg

	st, err := memory.New(memory.Options{})
	require.NoError(t, err)
	broker := queue.NewMemory(queue.MemoryOptions{})
	t.Cleanup(func() { _ = broker.Close(); _ = st.Close() })
	h.st = st
	h.in = &store.Integration{TenantID: "t1", Provider: "imap", Name: "support"}
	require.NoError(t, st.CreateIntegration(t.Context(), h.in, connector.Credentials{Password: "pw"}))
	h.r, err = syncrun.New(st, broker, syncrun.Options{
		Connect: func(context.Context, *store.Integration) (connector.Connector, error) {
			return newConnector(t, cfg), nil
		},
		Publish: h.publish,
		Logger:  testLogger(t),
	})
	require.NoError(t, err)
	return h
}

// sync runs one sync and returns the events it published, by type.
func (h *changeHarness) sync() map[string][]*store.Event {
	h.t.Helper()
	n := len(h.published(0))
	s, err := h.r.Sync(h.t.Context(), h.in.TenantID, h.in.ID)
	require.NoError(h.t, err)
	require.Equal(h.t, syncrun.OutcomeCompleted, s.Outcome)
	out := map[string][]*store.Event{}
	for _, ev := range h.published(n) {
		out[ev.Type] = append(out[ev.Type], ev)
	}
	delete(out, syncrun.EventSyncCompleted)
	return out
}

// count returns how many messages are stored and not deleted.
func (h *changeHarness) count() int64 {
	h.t.Helper()
	n, err := h.st.CountMessages(h.t.Context(), h.in.TenantID, h.in.ID)
	require.NoError(h.t, err)
	return n
}

// byMessageID returns the stored message with messageID.
func (h *changeHarness) byMessageID(messageID string) *store.Message {
	h.t.Helper()
	page, err := h.st.ListMessages(h.t.Context(), h.in.TenantID, h.in.ID, store.ListMessagesOptions{ListOptions: store.ListOptions{Limit: 100}})
	require.NoError(h.t, err)
	var found *store.Message
	for _, m := range page.Items {
		if m.MessageID == messageID {
			require.Nil(h.t, found, "Message-ID %s stored twice", messageID)
			found = m
		}
	}
	require.NotNil(h.t, found, "Message-ID %s not stored", messageID)
	return found
}

// move moves the message uid from folder from to folder to with
// another IMAP session (UID MOVE), as another mail client would.
func (h *changeHarness) move(from string, uid imap.UID, to string) {
	h.t.Helper()
	_, err := h.adm.c.Select(from, nil).Wait()
	require.NoError(h.t, err)
	_, err = h.adm.c.Move(imap.UIDSetNum(uid), to).Wait()
	require.NoError(h.t, err)
	require.NoError(h.t, h.adm.c.Unselect().Wait())
}

func updatedData(t *testing.T, ev *store.Event) syncrun.MessageUpdatedData {
	t.Helper()
	var d syncrun.MessageUpdatedData
	require.NoError(t, json.Unmarshal(ev.Payload, &d))
	return d
}

// TestDovecotForeignMoveKeepsTheMessage: a message moved by another IMAP
// session between two synced folders keeps its store id and is one
// message.updated (its folder), never a message.deleted and a
// message.received, whether the target folder is synced after the
// source or before it; and back again.
func TestDovecotForeignMoveKeepsTheMessage(t *testing.T) {
	t.Parallel()
	orders := map[string]func(a, b string) []string{
		"source first": func(a, b string) []string { return []string{a, b} },
		"target first": func(a, b string) []string { return []string{b, a} },
	}
	for name, folders := range orders {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newChangeHarness(t, folders)
			mid := "move-" + h.a
			uid := h.adm.appendMsg(h.a, testMessage(mid))
			h.adm.appendMsg(h.a, testMessage("stays-"+h.a))
			h.adm.appendMsg(h.b, testMessage("there-"+h.b))
			h.sync() // stores them (announced or not: the backfill policy's call)
			require.EqualValues(t, 3, h.count())
			before := h.byMessageID(mid + "@example.test")
			require.Equal(t, []string{h.a}, before.Folders)

			h.move(h.a, uid, h.b)
			got := h.sync()
			require.Empty(t, got[syncrun.EventMessageReceived], "a move is not new mail")
			require.Empty(t, got[syncrun.EventMessageDeleted], "a move is not a deletion")
			require.Len(t, got[syncrun.EventMessageUpdated], 1)
			after := h.byMessageID(mid + "@example.test")
			require.Equal(t, before.ID, after.ID, "a move keeps the message's id")
			require.Equal(t, []string{h.b}, after.Folders)
			require.True(t, after.DeletedAt.IsZero())
			d := updatedData(t, got[syncrun.EventMessageUpdated][0])
			require.Equal(t, before.ID, d.Message.ID)
			require.Equal(t, &syncrun.SetChange{Added: []string{h.b}, Removed: []string{h.a}}, d.Changes.Folders)
			require.Equal(t, syncrun.SourceSync, d.Source)

			// Back again, and a sync with nothing new announces nothing.
			back, err := h.adm.uidOf(h.b, mid+"@example.test")
			require.NoError(t, err)
			h.move(h.b, back, h.a)
			got = h.sync()
			require.Empty(t, got[syncrun.EventMessageReceived])
			require.Empty(t, got[syncrun.EventMessageDeleted])
			require.Len(t, got[syncrun.EventMessageUpdated], 1)
			require.Equal(t, before.ID, h.byMessageID(mid+"@example.test").ID)
			require.Empty(t, h.sync())
			require.EqualValues(t, 3, h.count())
		})
	}
}

// TestDovecotForeignFlagIsOneUpdate: \Flagged set by another IMAP session
// is one message.updated from the next sync, and none from the one
// after; an expunge by that session is one message.deleted.
func TestDovecotForeignFlagIsOneUpdate(t *testing.T) {
	t.Parallel()
	h := newChangeHarness(t, func(a, b string) []string { return []string{a, b} })
	mid := "flag-" + h.a
	uid := h.adm.appendMsg(h.a, testMessage(mid), imap.FlagSeen)
	h.sync()
	stored := h.byMessageID(mid + "@example.test")

	h.adm.setFlags(h.a, uid, imap.FlagSeen, imap.FlagFlagged)
	got := h.sync()
	require.Len(t, got, 1, "only a message.updated: %v", got)
	require.Len(t, got[syncrun.EventMessageUpdated], 1)
	d := updatedData(t, got[syncrun.EventMessageUpdated][0])
	require.Equal(t, stored.ID, d.Message.ID)
	require.Equal(t, &syncrun.SetChange{Added: []string{connector.FlagFlagged}, Removed: []string{}}, d.Changes.Flags)
	require.Nil(t, d.Changes.Folders)
	require.Contains(t, d.Message.Flags, connector.FlagFlagged)
	require.Empty(t, h.sync(), "the same state again announces nothing")

	h.adm.expunge(h.a, uid)
	got = h.sync()
	require.Len(t, got, 1, "only a message.deleted: %v", got)
	require.Len(t, got[syncrun.EventMessageDeleted], 1)
	require.Empty(t, h.sync())
}

// failingDeletions is a store whose CommitSync fails, once, for a batch
// that deletes: a crash between a move's batch and its deletion batch.
type failingDeletions struct {
	*memory.Store
	failed bool
}

var errCrash = errors.New("crash before the deletion batch committed")

func (f *failingDeletions) CommitSync(ctx context.Context, c *store.SyncCommit) (*store.SyncResult, error) {
	if !f.failed && slices.ContainsFunc(c.Changes, func(ch connector.Change) bool { return ch.Kind == connector.ChangeDeleted }) {
		f.failed = true
		return nil, errCrash
	}
	return f.Store.CommitSync(ctx, c)
}

// TestDovecotMoveSurvivesACrash: a sync that stops after the move's batch
// committed and before the deletions did resumes without a deletion, a
// new message or a second update.
func TestDovecotMoveSurvivesACrash(t *testing.T) {
	t.Parallel()
	h := newChangeHarness(t, func(a, b string) []string { return []string{a, b} })
	mid := "crash-" + h.a
	uid := h.adm.appendMsg(h.a, testMessage(mid))
	h.sync()
	before := h.byMessageID(mid + "@example.test")

	f := &failingDeletions{Store: h.st}
	r, err := syncrun.New(f, queue.NewMemory(queue.MemoryOptions{}), syncrun.Options{
		Connect: func(context.Context, *store.Integration) (connector.Connector, error) {
			return newConnector(t, h.cfg), nil
		},
		Publish: h.publish,
		Logger:  testLogger(t),
	})
	require.NoError(t, err)
	h.move(h.a, uid, h.b)
	n := len(h.published(0))
	_, err = r.Sync(t.Context(), h.in.TenantID, h.in.ID)
	require.ErrorIs(t, err, errCrash)
	require.True(t, f.failed)
	got := h.sync()
	all := h.published(n)
	require.Empty(t, got[syncrun.EventMessageReceived])
	require.Empty(t, got[syncrun.EventMessageDeleted])
	types := map[string]int{}
	for _, ev := range all {
		types[ev.Type]++
	}
	require.Equal(t, 1, types[syncrun.EventMessageUpdated], "one update over the crashed run and the next: %v", types)
	require.Zero(t, types[syncrun.EventMessageDeleted])
	require.Zero(t, types[syncrun.EventMessageReceived])
	after := h.byMessageID(mid + "@example.test")
	require.Equal(t, before.ID, after.ID)
	require.Equal(t, []string{h.b}, after.Folders)
	require.True(t, after.DeletedAt.IsZero())
}
