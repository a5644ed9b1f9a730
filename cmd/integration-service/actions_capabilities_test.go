package main

import (
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/stretchr/testify/require"
)

// imapCounts counts the commands that change a mailbox, as the server
// saw them.
type imapCounts struct {
	moves, copies, stores, uidExpunges, bareExpunges atomic.Int64
}

// cmdCountingSession counts a session's changing commands. It has no Move:
// a server built with it cannot move, whatever the client tries.
type cmdCountingSession struct {
	imapserver.Session
	n *imapCounts
}

// Store counts a STORE and runs it.
func (s *cmdCountingSession) Store(w *imapserver.FetchWriter, set goimap.NumSet, flags *goimap.StoreFlags, opts *goimap.StoreOptions) error {
	s.n.stores.Add(1)
	return s.Session.Store(w, set, flags, opts)
}

// Copy counts a COPY and runs it.
func (s *cmdCountingSession) Copy(set goimap.NumSet, dest string) (*goimap.CopyData, error) {
	s.n.copies.Add(1)
	return s.Session.Copy(set, dest)
}

// Expunge counts an EXPUNGE (bare when uids is nil) and runs it.
func (s *cmdCountingSession) Expunge(w *imapserver.ExpungeWriter, uids *goimap.UIDSet) error {
	if uids == nil {
		s.n.bareExpunges.Add(1)
	} else {
		s.n.uidExpunges.Add(1)
	}
	return s.Session.Expunge(w, uids)
}

// cmdMovingSession is a cmdCountingSession that can MOVE.
type cmdMovingSession struct {
	cmdCountingSession
}

// Move counts a MOVE and runs it.
func (s *cmdMovingSession) Move(w *imapserver.MoveWriter, set goimap.NumSet, dest string) error {
	s.n.moves.Add(1)
	return s.Session.(imapserver.SessionMove).Move(w, set, dest)
}

// moveCase is one IMAP integration on go-imap's memory server with a
// capability set: two synced messages in INBOX (moved and kept) and a
// foreign message planted in INBOX, marked \Deleted and not expunged.
type moveCase struct {
	c       *apiClient
	tok     string
	srv     *actionServer
	n       *imapCounts
	raw     *imapclient.Client
	integ   integration
	moved   message // the message the test moves
	kept    message // a message no one touches
	ids     [2]string
	foreign string // the planted \Deleted message's Message-ID
}

// newMoveCase sets up a moveCase for tenant on a server with caps
// (MOVE in caps: the server can move).
func newMoveCase(t *testing.T, c *apiClient, tenant string, caps ...goimap.Cap) *moveCase {
	t.Helper()
	n := &imapCounts{}
	set := goimap.CapSet{goimap.CapIMAP4rev1: {}}
	for _, cp := range caps {
		set[cp] = struct{}{}
	}
	wrap := func(s imapserver.Session) imapserver.Session {
		cs := cmdCountingSession{Session: s, n: n}
		if set.Has(goimap.CapMove) {
			return &cmdMovingSession{cs}
		}
		return &cs
	}
	mc := &moveCase{c: c, tok: tokenFor(t, tenant), n: n}
	mc.srv = newActionServerWith(t, "move-"+randomHex(t), set, wrap)
	mc.ids = [2]string{mc.srv.deliver(t), mc.srv.deliver(t)}
	r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: mc.tok, body: mc.srv.createBody("Move "+tenant, nil)})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	r.decode(t, &mc.integ)
	msgs := waitStored(t, c, mc.tok, mc.integ.ID, 2)
	waitSynced(t, c, mc.tok, mc.integ.ID, 1)
	for _, m := range msgs {
		switch m.MessageID {
		case mc.ids[0]:
			mc.moved = m
		case mc.ids[1]:
			mc.kept = m
		}
	}
	require.NotEmpty(t, mc.moved.ID)
	require.NotEmpty(t, mc.kept.ID)

	// Someone else marked a message \Deleted and has not expunged it.
	mc.raw = mc.srv.login(t)
	mc.foreign = "foreign-" + randomHex(t) + "@elsewhere.example"
	msg := fmt.Sprintf("Message-ID: <%s>\r\nFrom: Someone <someone@elsewhere.example>\r\nTo: %s\r\nSubject: Marked deleted by someone else\r\nDate: Mon, 2 Mar 2026 11:00:00 +0000\r\n\r\nKeep me until they expunge.\r\n", mc.foreign, mc.srv.email)
	cmd := mc.raw.Append("INBOX", int64(len(msg)), &goimap.AppendOptions{Flags: []goimap.Flag{goimap.FlagDeleted}})
	_, err := cmd.Write([]byte(msg))
	require.NoError(t, err)
	require.NoError(t, cmd.Close())
	_, err = cmd.Wait()
	require.NoError(t, err)
	mc.requireForeignKept(t)
	return mc
}

// requireForeignKept checks that the foreign message is still in INBOX,
// still marked \Deleted.
func (mc *moveCase) requireForeignKept(t *testing.T) {
	t.Helper()
	f, ok := findRaw(folderMessages(t, mc.raw, "INBOX"), mc.foreign)
	require.True(t, ok, "the foreign \\Deleted message is gone from INBOX: something expunged more than its own message")
	require.Contains(t, f.flags, goimap.FlagDeleted)
}

// state reads a stored message.
func (mc *moveCase) state(t *testing.T, msgID string) storedState {
	t.Helper()
	r := mc.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + mc.integ.ID + "/messages/" + msgID, token: mc.tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var st storedState
	r.decode(t, &st)
	return st
}

// move moves the moved message to Archive through the API.
func (mc *moveCase) move(t *testing.T) *reply {
	t.Helper()
	return mc.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + mc.integ.ID + "/messages/" + mc.moved.ID + "/move", token: mc.tok, body: map[string]any{"folder": "Archive"}})
}

// requireMoved checks a move that worked: 200 with the same store id
// in Archive; at the server the message is in Archive, gone from INBOX,
// the other message and the foreign \Deleted one untouched; one
// message.updated from the API; a later sync announces nothing more
// and keeps the store id.
func (mc *moveCase) requireMoved(t *testing.T, r *reply) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var res actionResult
	r.decode(t, &res)
	require.Equal(t, "updated", res.Outcome)
	require.Equal(t, mc.moved.ID, res.Message.ID, "the message keeps its store id")
	require.Equal(t, []string{"Archive"}, res.Message.Folders)
	require.Nil(t, res.Message.DeletedAt)

	archive := folderMessages(t, mc.raw, "Archive")
	require.Len(t, archive, 1, "Archive holds the moved message only")
	require.Equal(t, mc.ids[0], archive[0].id)
	inbox := folderMessages(t, mc.raw, "INBOX")
	_, ok := findRaw(inbox, mc.ids[0])
	require.False(t, ok, "the message is gone from INBOX")
	require.Len(t, inbox, 2, "INBOX keeps the other message and the foreign one")
	k, ok := findRaw(inbox, mc.ids[1])
	require.True(t, ok)
	require.NotContains(t, k.flags, goimap.FlagDeleted)
	mc.requireForeignKept(t)
	require.Zero(t, mc.n.bareExpunges.Load(), "a bare EXPUNGE")

	want := map[string][]string{"message.updated": {"api:" + mc.moved.ID}}
	require.Equal(t, want, apiChangeEvents(t, mc.c, mc.tok, mc.integ.ID))
	st := mc.state(t, mc.moved.ID)
	require.Equal(t, []string{"Archive"}, st.Folders)
	require.Nil(t, st.DeletedAt)

	// The next sync sees the same state: nothing more announced, the
	// message keeps its id and is not deleted.
	r = mc.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + mc.integ.ID + "/sync", token: mc.tok})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	waitSynced(t, mc.c, mc.tok, mc.integ.ID, 2)
	require.Equal(t, want, apiChangeEvents(t, mc.c, mc.tok, mc.integ.ID), "the sync announced the API's move again")
	st = mc.state(t, mc.moved.ID)
	require.Nil(t, st.DeletedAt, "the next sync deleted the moved message")
	require.Equal(t, []string{"Archive"}, st.Folders)
	for _, ev := range apiEvents(t, mc.c, mc.tok, mc.integ.ID) {
		if ev.Type == "message.received" {
			require.NotContains(t, string(ev.Data), mc.ids[0], "the moved message was announced as new")
		}
	}
	mc.requireForeignKept(t)
}

// TestAPIMoveCapabilities: a move to Archive through the API on
// go-imap's memory server (the real binary, a raw IMAP client of the
// test checking the mailbox, the server counting commands), with a
// foreign message in INBOX that someone else marked \Deleted and did
// not expunge:
//   - with MOVE: one UID MOVE; the message in Archive, gone from
//     INBOX, the foreign message still there, one message.updated;
//   - without MOVE, with UIDPLUS: UID COPY + UID STORE \Deleted + UID
//     EXPUNGE of that UID, never a bare EXPUNGE; the same outcome;
//   - without either: refused (422 not-supported naming UIDPLUS) before
//     anything changes: no command that changes the mailbox, the
//     message still in INBOX with its flags, Archive empty, the store
//     and the events as they were. A batch that also marks seen is
//     refused as a whole.
func TestAPIMoveCapabilities(t *testing.T) {
	t.Parallel()
	in := start(t, baseEnv())
	c := newClient(t, in.base)

	t.Run("MOVE", func(t *testing.T) {
		t.Parallel()
		mc := newMoveCase(t, c, "tenant-move-caps-move", goimap.CapMove, goimap.CapUIDPlus)
		mc.requireMoved(t, mc.move(t))
		require.EqualValues(t, 1, mc.n.moves.Load(), "one UID MOVE")
		require.Zero(t, mc.n.copies.Load()+mc.n.uidExpunges.Load(), "a copy and expunge where MOVE was there")
	})

	t.Run("no MOVE, UIDPLUS", func(t *testing.T) {
		t.Parallel()
		mc := newMoveCase(t, c, "tenant-move-caps-uidplus", goimap.CapUIDPlus)
		mc.requireMoved(t, mc.move(t))
		require.Zero(t, mc.n.moves.Load())
		require.EqualValues(t, 1, mc.n.copies.Load(), "one UID COPY")
		require.EqualValues(t, 1, mc.n.uidExpunges.Load(), "one UID EXPUNGE")
	})

	t.Run("neither refused", func(t *testing.T) {
		t.Parallel()
		mc := newMoveCase(t, c, "tenant-move-caps-neither")
		before := mc.state(t, mc.moved.ID)
		inboxBefore := folderMessages(t, mc.raw, "INBOX")
		rawBefore, ok := findRaw(inboxBefore, mc.ids[0])
		require.True(t, ok)
		eventsBefore := apiEvents(t, c, mc.tok, mc.integ.ID)

		p := mc.move(t).requireProblem(t, http.StatusUnprocessableEntity)
		require.Equal(t, "urn:ucsp:problem:not-supported", p.Type, "%+v", p)
		require.Contains(t, p.Detail, "UIDPLUS", "the problem says why: %+v", p)
		batch := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + mc.integ.ID + "/messages/actions", token: mc.tok, body: map[string]any{"message_ids": []string{mc.moved.ID, mc.kept.ID}, "action": map[string]any{"seen": true, "folder": "Archive"}}})
		p = batch.requireProblem(t, http.StatusUnprocessableEntity)
		require.Equal(t, "urn:ucsp:problem:not-supported", p.Type, "%+v", p)

		// Nothing changed at the server...
		require.Zero(t, mc.n.moves.Load()+mc.n.copies.Load()+mc.n.stores.Load()+mc.n.uidExpunges.Load()+mc.n.bareExpunges.Load(), "a refused move sent a changing command")
		require.Empty(t, folderMessages(t, mc.raw, "Archive"), "something reached Archive")
		inbox := folderMessages(t, mc.raw, "INBOX")
		require.Len(t, inbox, len(inboxBefore))
		got, ok := findRaw(inbox, mc.ids[0])
		require.True(t, ok, "the message left INBOX")
		require.Equal(t, rawBefore.uid, got.uid)
		require.ElementsMatch(t, rawBefore.flags, got.flags, "the message's flags changed")
		require.False(t, slices.Contains(got.flags, goimap.FlagSeen), "the refused batch marked the message seen")
		mc.requireForeignKept(t)

		// ...nor in the store, and nothing was announced.
		require.Equal(t, before, mc.state(t, mc.moved.ID), "the store changed")
		require.Empty(t, apiChangeEvents(t, c, mc.tok, mc.integ.ID), "a refused move announced a change")
		require.Len(t, apiEvents(t, c, mc.tok, mc.integ.ID), len(eventsBefore), "a refused move stored an event")
	})
}
