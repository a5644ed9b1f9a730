package outlook

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/outlook/outlooktest"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// storeRig runs the fixture's connector through a syncrun.Runner into a
// memory store, as the server does.
type storeRig struct {
	f   *fixture
	st  *crashStore
	in  *store.Integration
	run *syncrun.Runner

	mu     sync.Mutex
	events map[string]int // message.* events published
}

// crashStore is a store whose CommitSync fails, before writing
// anything, when fail (if set) says so: a crash at that batch.
type crashStore struct {
	store.Store
	mu   sync.Mutex
	fail func(c *store.SyncCommit) bool
}

var errCrash = errors.New("crash before the commit")

func (s *crashStore) CommitSync(ctx context.Context, c *store.SyncCommit) (*store.SyncResult, error) {
	s.mu.Lock()
	fail := s.fail != nil && s.fail(c)
	s.mu.Unlock()
	if fail {
		return nil, errCrash
	}
	return s.Store.CommitSync(ctx, c)
}

func (s *crashStore) crashWhen(fail func(c *store.SyncCommit) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = fail
}

func newStoreRig(t *testing.T, folders ...string) *storeRig {
	t.Helper()
	mem, err := memory.New(memory.Options{})
	require.NoError(t, err)
	broker := queue.NewMemory(queue.MemoryOptions{})
	t.Cleanup(func() { _ = broker.Close(); _ = mem.Close() })
	g := &storeRig{f: newFixture(t, outlooktest.Options{}, func(c *Config) { c.Folders = folders; c.BatchSize = 2 }), st: &crashStore{Store: mem}, events: map[string]int{}}
	g.in = &store.Integration{TenantID: "acme", Provider: ProviderName, Name: "Support"}
	require.NoError(t, mem.CreateIntegration(t.Context(), g.in, connector.Credentials{}))
	g.run, err = syncrun.New(g.st, broker, syncrun.Options{
		Connect: func(context.Context, *store.Integration) (connector.Connector, error) { return New(g.f.cfg) },
		Publish: g.publish,
		Logger:  g.f.cfg.Logger,
	})
	require.NoError(t, err)
	return g
}

func (g *storeRig) publish(_ context.Context, events ...*store.Event) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, ev := range events {
		switch ev.Type {
		case syncrun.EventMessageReceived, syncrun.EventMessageUpdated, syncrun.EventMessageDeleted:
			g.events[ev.Type]++
		}
	}
}

// takeEvents returns the message events published since the last call.
func (g *storeRig) takeEvents() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := g.events
	g.events = map[string]int{}
	return out
}

// sync runs one sync; a crash (errCrash) is a failed sync.
func (g *storeRig) sync(t *testing.T) syncrun.Summary {
	t.Helper()
	s, err := g.run.Sync(t.Context(), g.in.TenantID, g.in.ID)
	if errors.Is(err, errCrash) {
		require.Equal(t, syncrun.OutcomeFailed, s.Outcome)
		return s
	}
	require.NoError(t, err)
	require.Equal(t, syncrun.OutcomeCompleted, s.Outcome)
	return s
}

func (g *storeRig) stored(t *testing.T, providerID string) *store.Message {
	t.Helper()
	m, err := g.st.GetMessageByProviderID(t.Context(), g.in.TenantID, g.in.ID, providerID)
	require.NoError(t, err)
	return m
}

// The removals Sync holds are reported after every folder's round, in
// the last batch, scoped to the folder the message left, whatever the
// order of the folders; the moved message comes before, in its new
// folder.
func TestSyncReportsRemovalsLast(t *testing.T) {
	t.Parallel()
	for _, folders := range [][]string{{"inbox", "archive"}, {"archive", "inbox"}} {
		t.Run(folders[0]+" first", func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, outlooktest.Options{}, func(c *Config) { c.Folders = folders; c.BatchSize = 2 })
			ids := f.insert(t, "inbox", "m", 3)
			first := syncAll(t, f.c, "")
			require.NoError(t, f.mb.Move(ids[0], outlooktest.Archive))
			require.NoError(t, f.mb.Delete(ids[1]))
			r := syncAll(t, f.c, first.cursor)
			last := r.batches[len(r.batches)-1]
			want := []connector.Change{{Kind: connector.ChangeDeleted, ProviderID: ids[1], Folder: "inbox", Reason: "removed from inbox"}}
			if folders[0] == "archive" {
				// The move's removal comes after the message in its new
				// folder; the other way round, that report drops it.
				want = append(want, connector.Change{Kind: connector.ChangeDeleted, ProviderID: ids[0], Folder: "inbox", Reason: "removed from inbox"})
			}
			require.ElementsMatch(t, want, last.Changes)
			require.Empty(t, last.Messages)
			require.Len(t, r.kinds(connector.ChangeDeleted), len(want), "only in the last batch")
			require.Len(t, r.messages, 1)
			require.Equal(t, []string{"archive"}, r.messages[0].Folders)
			st, err := parseCursor(r.cursor)
			require.NoError(t, err)
			require.Empty(t, st.Removed, "the last cursor holds no removal")
			require.Empty(t, syncAll(t, f.c, r.cursor).changes)
		})
	}
}

// A message moved by someone between two synced folders keeps its
// store id and is one message.updated (its folders), never a
// message.deleted nor a message.received, in both orders of the
// folders; a deletion is one message.deleted.
func TestMoveKeepsTheStoredMessage(t *testing.T) {
	t.Parallel()
	for _, folders := range [][]string{{"inbox", "archive"}, {"archive", "inbox"}} {
		t.Run(folders[0]+" first", func(t *testing.T) {
			t.Parallel()
			g := newStoreRig(t, folders...)
			ids := g.f.insert(t, "inbox", "m", 3)
			g.sync(t)
			before := g.stored(t, ids[0])
			g.takeEvents()

			require.NoError(t, g.f.mb.Move(ids[0], outlooktest.Archive))
			s := g.sync(t)
			require.Zero(t, s.Inserted)
			require.Zero(t, s.Deleted)
			after := g.stored(t, ids[0])
			require.Equal(t, before.ID, after.ID)
			require.True(t, after.DeletedAt.IsZero())
			require.Equal(t, []string{"archive"}, after.Folders)
			require.Equal(t, map[string]int{syncrun.EventMessageUpdated: 1}, g.takeEvents())

			require.NoError(t, g.f.mb.Delete(ids[1]))
			s = g.sync(t)
			require.Equal(t, 1, s.Deleted)
			require.False(t, g.stored(t, ids[1]).DeletedAt.IsZero())
			require.Equal(t, map[string]int{syncrun.EventMessageDeleted: 1}, g.takeEvents())
		})
	}
}

// A sync that crashes after the batch that took the source folder's
// delta link (its removal held in that cursor), or just before the
// removals' batch, and is then run again, ends as one that did not
// crash: a move keeps the message (one message.updated), a deletion is
// one message.deleted.
func TestMoveSurvivesACrash(t *testing.T) {
	t.Parallel()
	type crash struct {
		folders []string
		fail    func() func(c *store.SyncCommit) bool
	}
	crashes := map[string]crash{
		// The source first: its removal is held while the target's round
		// runs.
		"after the source's batch": {[]string{"inbox", "archive"}, func() func(c *store.SyncCommit) bool {
			held := false
			return func(c *store.SyncCommit) bool {
				if held {
					return true
				}
				st, err := parseCursor(c.Cursor)
				held = err == nil && len(st.Removed) > 0 && st.Folders[0].Done
				return false
			}
		}},
		"before the removals' batch": {[]string{"archive", "inbox"}, func() func(c *store.SyncCommit) bool {
			return func(c *store.SyncCommit) bool {
				st, err := parseCursor(c.Cursor)
				return err == nil && len(st.Removed) == 0 && len(c.Changes) > 0
			}
		}},
	}
	ops := map[string]struct {
		do   func(mb *outlooktest.Mailbox, id string) error
		want map[string]int
	}{
		"move":   {func(mb *outlooktest.Mailbox, id string) error { return mb.Move(id, outlooktest.Archive) }, map[string]int{syncrun.EventMessageUpdated: 1}},
		"delete": {func(mb *outlooktest.Mailbox, id string) error { return mb.Delete(id) }, map[string]int{syncrun.EventMessageDeleted: 1}},
	}
	for crashName, crash := range crashes {
		for opName, op := range ops {
			t.Run(crashName+"/"+opName, func(t *testing.T) {
				t.Parallel()
				g := newStoreRig(t, crash.folders...)
				ids := g.f.insert(t, "inbox", "m", 3)
				g.sync(t)
				before := g.stored(t, ids[0])
				g.takeEvents()

				require.NoError(t, op.do(g.f.mb, ids[0]))
				crashed := false
				fail := crash.fail()
				g.st.crashWhen(func(c *store.SyncCommit) bool {
					crashed = crashed || fail(c)
					return crashed
				})
				g.sync(t)
				require.True(t, crashed, "the sync crashed")
				state, err := g.st.SyncState(t.Context(), g.in.TenantID, g.in.ID)
				require.NoError(t, err)
				st, err := parseCursor(state.Cursor)
				require.NoError(t, err)
				require.Equal(t, []removal{{ID: ids[0], Folder: "inbox"}}, st.Removed, "the committed cursor holds the removal")
				inbox := slices.IndexFunc(st.Folders, func(f folderCursor) bool { return f.ID == "inbox" })
				require.True(t, st.Folders[inbox].Done, "the source's delta link is committed")

				g.st.crashWhen(nil)
				g.sync(t)
				after := g.stored(t, ids[0])
				require.Equal(t, before.ID, after.ID)
				require.Equal(t, opName == "delete", !after.DeletedAt.IsZero())
				require.Equal(t, op.want, g.takeEvents())
				state, err = g.st.SyncState(t.Context(), g.in.TenantID, g.in.ID)
				require.NoError(t, err)
				st, err = parseCursor(state.Cursor)
				require.NoError(t, err)
				require.Empty(t, st.Removed)
			})
		}
	}
}

// A cursor holds at most maxHeldRemovals removals, each once: those
// beyond are reported at once (folder-scoped); a message reported again
// drops its held removals.
func TestHeldRemovalsBound(t *testing.T) {
	t.Parallel()
	var c cursor
	var removed []removal
	for i := range maxHeldRemovals + 2 {
		removed = append(removed, removal{ID: "id" + strconv.Itoa(i), Folder: "inbox"})
	}
	now := c.hold(removed[:3], nil)
	require.Empty(t, now)
	require.Empty(t, c.hold(removed[:3], nil), "held once")
	require.Len(t, c.Removed, 3)
	now = c.hold(removed[3:], nil)
	require.Len(t, c.Removed, maxHeldRemovals)
	require.Equal(t, []connector.Change{removed[maxHeldRemovals].change(), removed[maxHeldRemovals+1].change()}, now)
	require.Equal(t, "inbox", now[0].Folder)

	require.Empty(t, c.hold(nil, []*connector.Message{{ProviderID: removed[1].ID}}))
	require.Len(t, c.Removed, maxHeldRemovals-1)
	require.False(t, c.holds(removed[1]))
	require.Len(t, c.release(), maxHeldRemovals-1)
	require.Empty(t, c.Removed)
}
