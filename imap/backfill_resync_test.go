package imap

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// resyncServer is an IMAP server of the resync tests, with a folder of
// the test's own.
type resyncServer struct {
	adm    *admin
	folder string
	cfg    Config
}

// resyncServers returns the go-imap memory server and, when the
// environment has one, Dovecot.
func resyncServers() map[string]func(t *testing.T) *resyncServer {
	return map[string]func(t *testing.T) *resyncServer{
		"memory": func(t *testing.T) *resyncServer {
			srv := newMemServer(t, memOptions{})
			adm := srv.admin()
			adm.create("Support")
			return &resyncServer{adm: adm, folder: "Support", cfg: srv.config("Support")}
		},
		"dovecot": func(t *testing.T) *resyncServer {
			d := newDovecot(t)
			adm := newAdmin(t, d.addr, d.user, d.password)
			f := d.folder(t, adm)
			return &resyncServer{adm: adm, folder: f, cfg: d.config(f)}
		},
	}
}

// renumber recreates the folder with the same messages (and their
// INTERNALDATEs), and checks that its UIDVALIDITY changed.
func (s *resyncServer) renumber(t *testing.T) {
	t.Helper()
	before := s.uidValidity(t)
	for range 3 {
		s.adm.recreate(s.folder)
		if s.uidValidity(t) != before {
			return
		}
		time.Sleep(time.Second) // a server whose UIDVALIDITY is the time
	}
	t.Fatalf("recreating %s did not change its UIDVALIDITY", s.folder)
}

func (s *resyncServer) uidValidity(t *testing.T) uint32 {
	t.Helper()
	data, err := s.adm.c.Status(s.folder, &imap.StatusOptions{UIDValidity: true}).Wait()
	require.NoError(t, err)
	return data.UIDValidity
}

// stopAfter is a Connector whose Sync fails after n batches while n > 0:
// a first sync interrupted before the history is all stored.
type stopAfter struct {
	*Connector
	n *atomic.Int32
}

var errStopped = errors.New("stopped by the test")

func (s stopAfter) Sync(ctx context.Context, cur connector.Cursor, fn connector.BatchFunc) error {
	return s.Connector.Sync(ctx, cur, func(ctx context.Context, b *connector.Batch) error {
		if s.n.Load() > 0 && s.n.Add(-1) == 0 {
			if err := fn(ctx, b); err != nil {
				return err
			}
			return errStopped
		}
		return fn(ctx, b)
	})
}

// resyncRun syncs one integration on a resyncServer through a
// syncrun.Runner with its default events into a memory store.
type resyncRun struct {
	t      *testing.T
	st     *memory.Store
	r      *syncrun.Runner
	in     *store.Integration
	stop   atomic.Int32 // batches after which the next Sync stops
	mu     sync.Mutex
	events []*store.Event
}

func newResyncRun(t *testing.T, cfg Config) *resyncRun {
	t.Helper()
	st, err := memory.New(memory.Options{})
	require.NoError(t, err)
	broker := queue.NewMemory(queue.MemoryOptions{})
	t.Cleanup(func() { _ = broker.Close(); _ = st.Close() })
	h := &resyncRun{t: t, st: st, in: &store.Integration{TenantID: "t1", Provider: "imap", Name: "support"}}
	require.NoError(t, st.CreateIntegration(t.Context(), h.in, connector.Credentials{Password: "pw"}))
	h.r, err = syncrun.New(st, broker, syncrun.Options{
		Connect: func(context.Context, *store.Integration) (connector.Connector, error) {
			return stopAfter{Connector: newConnector(t, cfg), n: &h.stop}, nil
		},
		Publish: func(_ context.Context, events ...*store.Event) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.events = append(h.events, events...)
		},
		Logger: testLogger(t),
	})
	require.NoError(t, err)
	return h
}

// sync runs one sync and returns the outcome and the Message-IDs of the
// message.received events it published, and how many
// sync.backfill_completed.
func (h *resyncRun) sync() (syncrun.Outcome, []string, int) {
	h.t.Helper()
	h.mu.Lock()
	n := len(h.events)
	h.mu.Unlock()
	s, err := h.r.Sync(h.t.Context(), h.in.TenantID, h.in.ID)
	if s.Outcome == syncrun.OutcomeCompleted {
		require.NoError(h.t, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var received []string
	done := 0
	for _, ev := range h.events[n:] {
		switch ev.Type {
		case syncrun.EventMessageReceived:
			received = append(received, h.messageID(ev))
		case syncrun.EventBackfillCompleted:
			done++
		}
	}
	return s.Outcome, received, done
}

// messageID returns the Message-ID of the message a message.received
// event announces.
func (h *resyncRun) messageID(ev *store.Event) string {
	h.t.Helper()
	var d syncrun.MessageReceivedData
	require.NoError(h.t, json.Unmarshal(ev.Payload, &d))
	return d.Message.MessageID
}

func (h *resyncRun) count() int64 {
	h.t.Helper()
	n, err := h.st.CountMessages(h.t.Context(), h.in.TenantID, h.in.ID)
	require.NoError(h.t, err)
	return n
}

// TestResyncAnnouncesUnseenNewMail: mail that arrived after the last
// sync and before a UIDVALIDITY change is announced once by the resync;
// what the resync re-finds (the history, and new mail already
// announced) is not announced again.
func TestResyncAnnouncesUnseenNewMail(t *testing.T) {
	t.Parallel()
	for name, newServer := range resyncServers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			deliverOld(s.adm, s.folder, "old", 5)
			h := newResyncRun(t, s.cfg)
			out, received, done := h.sync() // takes the mark: the 5 are history
			require.Equal(t, syncrun.OutcomeCompleted, out)
			require.Empty(t, received)
			require.Equal(t, 1, done)
			fresh := deliverN(s.adm, s.folder, "fresh", 1)
			_, received, _ = h.sync()
			require.Equal(t, fresh, received)

			late := deliverN(s.adm, s.folder, "late", 2) // never synced
			s.renumber(t)
			out, received, done = h.sync()
			require.Equal(t, syncrun.OutcomeCompleted, out)
			require.ElementsMatch(t, late, received, "exactly the new mail the store never saw")
			require.Zero(t, done)
			require.EqualValues(t, 8, h.count())
			_, received, _ = h.sync()
			require.Empty(t, received)
		})
	}
}

// TestResyncDuringBackfill: a UIDVALIDITY change while the first sync
// has stored only part of the history announces none of the history
// (received before the mark), only the mail that arrived after it, and
// completes the backfill once.
func TestResyncDuringBackfill(t *testing.T) {
	t.Parallel()
	for name, newServer := range resyncServers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			s.cfg.BatchSize = 2
			deliverOld(s.adm, s.folder, "old", 6)
			h := newResyncRun(t, s.cfg)
			h.stop.Store(1)
			out, received, done := h.sync()
			require.NotEqual(t, syncrun.OutcomeCompleted, out, "the test stopped the sync")
			require.Empty(t, received)
			require.Zero(t, done)
			require.EqualValues(t, 2, h.count(), "one batch of the history stored")

			late := deliverN(s.adm, s.folder, "late", 2)
			s.renumber(t)
			out, received, done = h.sync()
			require.Equal(t, syncrun.OutcomeCompleted, out)
			require.ElementsMatch(t, late, received, "the history is not announced, the new mail is")
			require.Equal(t, 1, done)
			require.EqualValues(t, 8, h.count())
		})
	}
}

// TestResyncWithoutMarkTime: a cursor that kept no mark time (written
// before it was kept) resyncs as before: everything the folder holds is
// history.
func TestResyncWithoutMarkTime(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	old := deliverOld(adm, "INBOX", "old", 2)
	c := newConnector(t, srv.config("INBOX"))
	mark, err := c.BackfillCursor(t.Context())
	require.NoError(t, err)
	_, head, err := readCursor(mark)
	require.NoError(t, err)
	require.NotZero(t, head.markTime)
	first := syncAll(t, c, mark)
	require.ElementsMatch(t, old, historyIDs(first.messages, true))

	// The same cursor without its mark time.
	states, head, err := readCursor(first.cursor)
	require.NoError(t, err)
	head.markTime = 0
	legacy := writeCursor([]*folderState{states["INBOX"]}, head)
	late := deliverN(adm, "INBOX", "late", 1)
	adm.recreate("INBOX")
	re := syncAll(t, c, legacy)
	require.NotEmpty(t, re.changesOf(connector.ChangeResync))
	require.ElementsMatch(t, append(old, late...), historyIDs(re.messages, true))
	require.Empty(t, historyIDs(re.messages, false))

	// With it, the same resync tells the late message from the history.
	adm.recreate("INBOX")
	withTime := syncAll(t, c, first.cursor)
	require.ElementsMatch(t, old, historyIDs(withTime.messages, true))
	require.ElementsMatch(t, late, historyIDs(withTime.messages, false))
}
