package imap

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
)

func seen(b bool) *bool { return &b }

// TestActionsMemServer runs connectortest's action checks on go-imap's
// memory server with MOVE, and without it (UID COPY, UID STORE \Deleted,
// UID EXPUNGE).
func TestActionsMemServer(t *testing.T) {
	t.Parallel()
	for name, caps := range map[string][]imap.Cap{
		"move":    {imap.CapMove, imap.CapUIDPlus, imap.CapSpecialUse},
		"uidplus": {imap.CapUIDPlus, imap.CapSpecialUse},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMemSpecialUse(t, caps)
			m.adm.create("Support")
			m.adm.create("Escalations")
			c := newConnector(t, m.cfg)
			f := actionsFixture(t, m.srv.admin, "Support", []string{"Support", "Escalations", "Archive", "INBOX"})
			f.MoveTo = "Escalations"
			f.MoveToRole, f.RoleFolder = connector.RoleArchive, "Archive"
			f.MissingRole = connector.RoleJunk
			connectortest.RunActions(t, c, f)
			require.Zero(t, m.srv.bareExpunges.Load(), "never a bare EXPUNGE")
			if name == "move" {
				require.Positive(t, m.srv.moves.Load())
				require.Zero(t, m.srv.copies.Load(), "with MOVE, no COPY")
			} else {
				require.Zero(t, m.srv.moves.Load(), "no MOVE on a server without it")
				require.Positive(t, m.srv.copies.Load())
				require.Positive(t, m.srv.uidExpunges.Load())
			}
		})
	}
}

// moveCase is a message moved from Support to Archive with a foreign
// \Deleted message beside it in Support.
type moveCase struct {
	adm            *admin
	c              *Connector
	ref            connector.MessageRef
	msgID, foreign string
}

func newMoveCase(t *testing.T, adm *admin, c *Connector, source string) *moveCase {
	raw := testMessage(randomName("move-"))
	foreign := testMessage(randomName("foreign-"))
	mc := &moveCase{adm: adm, c: c, msgID: string(headerValue(headerBlock(raw), "Message-Id")), foreign: string(headerValue(headerBlock(foreign), "Message-Id"))}
	mc.msgID, mc.foreign = mc.msgID[1:len(mc.msgID)-1], mc.foreign[1:len(mc.foreign)-1]
	mc.ref = adm.plant(source, raw)
	adm.plant(source, foreign, imap.FlagDeleted) // someone else's, marked \Deleted, not expunged
	return mc
}

// checkMoved checks the move's result against the server, read with the
// admin's raw client and with a Sync of the target folder.
func (mc *moveCase) checkMoved(t *testing.T, r connector.ActionResult, source, target string, cfg Config) {
	t.Helper()
	require.NoError(t, r.Err)
	require.Empty(t, mc.adm.find(mc.msgID, source), "gone from %s", source)
	got := mc.adm.find(mc.msgID, target)
	require.Len(t, got, 1, "in %s", target)
	require.True(t, hasFlag(got[0].flags, imap.FlagSeen), "marked seen on the way")
	require.False(t, hasFlag(got[0].flags, imap.FlagDeleted), "the copy is not \\Deleted")
	foreign := mc.adm.find(mc.foreign, source)
	require.Len(t, foreign, 1, "the foreign \\Deleted message is still in %s", source)
	require.True(t, hasFlag(foreign[0].flags, imap.FlagDeleted))

	require.Equal(t, providerRef(target, mc.adm.uidValidity(target), uint32(got[0].uid)), r.ProviderRef, "the new ProviderRef, from COPYUID")
	require.Equal(t, []string{target}, r.Folders)
	require.Contains(t, r.Flags, connector.FlagSeen)
	cfg.Folders = []string{target}
	synced := syncAll(t, newConnector(t, cfg), "").byMessageID(mc.msgID)
	require.NotNil(t, synced, "a Sync of %s finds the message", target)
	require.Equal(t, synced.ProviderID, r.ProviderID, "the result's ProviderID is the one a Sync of the target reports")
	require.Equal(t, synced.ProviderRef, r.ProviderRef)
}

func TestMoveWithoutMOVEMemServer(t *testing.T) {
	t.Parallel()
	m := newMemSpecialUse(t, []imap.Cap{imap.CapUIDPlus, imap.CapSpecialUse})
	m.adm.create("Support")
	c := newConnector(t, m.cfg)
	mc := newMoveCase(t, m.adm, c, "Support")
	res, err := c.Modify(context.Background(), []connector.MessageRef{mc.ref}, connector.Action{Seen: seen(true), MoveToRole: connector.RoleArchive})
	require.NoError(t, err)
	require.Len(t, res, 1)
	mc.checkMoved(t, res[0], "Support", "Archive", m.cfg)
	require.Zero(t, m.srv.moves.Load())
	require.EqualValues(t, 1, m.srv.copies.Load())
	require.EqualValues(t, 1, m.srv.uidExpunges.Load())
	require.Zero(t, m.srv.bareExpunges.Load())
}

func TestMoveWithoutUIDPLUSIsRefused(t *testing.T) {
	t.Parallel()
	m := newMemSpecialUse(t, []imap.Cap{imap.CapSpecialUse})
	m.adm.create("Support")
	c := newConnector(t, m.cfg)
	mc := newMoveCase(t, m.adm, c, "Support")
	for _, a := range []connector.Action{
		{MoveToRole: connector.RoleArchive},
		{Seen: seen(true), MoveTo: "INBOX"},
	} {
		res, err := c.Modify(context.Background(), []connector.MessageRef{mc.ref}, a)
		require.Error(t, err)
		require.Nil(t, res)
		require.ErrorIs(t, err, connector.ErrUnsupported)
		require.ErrorIs(t, err, ErrMoveUnsafe)
		require.Contains(t, err.Error(), "UIDPLUS")
		got := mc.adm.find(mc.msgID, "Support", "Archive", "INBOX")
		require.Equal(t, []located{{folder: "Support", uid: got[0].uid, flags: got[0].flags}}, got, "nothing moved")
		require.False(t, hasFlag(got[0].flags, imap.FlagSeen), "nothing marked")
		require.Len(t, mc.adm.find(mc.foreign, "Support"), 1)
	}
	require.Zero(t, m.srv.copies.Load()+m.srv.moves.Load()+m.srv.bareExpunges.Load()+m.srv.uidExpunges.Load())

	// Marks alone need neither.
	res, err := c.Modify(context.Background(), []connector.MessageRef{mc.ref}, connector.Action{Seen: seen(true)})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.True(t, hasFlag(mc.adm.find(mc.msgID, "Support")[0].flags, imap.FlagSeen))
}

func TestModifyFindsMessages(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.create("Support")
	c := newConnector(t, srv.config("Support"))
	a := adm.plant("Support", testMessage("a"))
	b := adm.plant("Support", testMessage("b"))
	ctx := context.Background()

	// By ProviderID alone (a scan of the folder), and by ref.
	res, err := c.Modify(ctx, []connector.MessageRef{{ProviderID: a.ProviderID}, b}, connector.Action{Flagged: seen(true)})
	require.NoError(t, err)
	for i, r := range res {
		require.NoError(t, r.Err, "message %d", i)
		require.Contains(t, r.Flags, connector.FlagFlagged)
	}
	require.Equal(t, a.ProviderRef, res[0].ProviderRef, "found by ProviderID, the result has the ref")
	require.True(t, hasFlag(adm.find(msgIDOf(testMessage("a")), "Support")[0].flags, imap.FlagFlagged))

	// Unknown refs and ids, a folder that is gone, a renumbered folder.
	adm.recreate("Support")
	res, err = c.Modify(ctx, []connector.MessageRef{
		a, // renumbered: UIDVALIDITY changed
		{ProviderRef: providerRef("Gone", 1, 1)},
		{ProviderID: "no-such-id"},
		{ProviderID: b.ProviderID}, // still findable by ProviderID
	}, connector.Action{Seen: seen(true)})
	require.NoError(t, err)
	for i := range 3 {
		require.True(t, errors.Is(res[i].Err, connector.ErrNotFound), "result %d: %v", i, res[i].Err)
		require.Empty(t, res[i].ProviderID)
	}
	require.NoError(t, res[3].Err)
	require.Equal(t, b.ProviderID, res[3].ProviderID)
	require.NotEqual(t, b.ProviderRef, res[3].ProviderRef, "the ref in the new UIDVALIDITY")
	require.True(t, hasFlag(adm.find(msgIDOf(testMessage("b")), "Support")[0].flags, imap.FlagSeen))
	require.False(t, hasFlag(adm.find(msgIDOf(testMessage("a")), "Support")[0].flags, imap.FlagSeen), "a stale ref changes nothing")
}

func msgIDOf(raw []byte) string {
	v := string(headerValue(headerBlock(raw), "Message-Id"))
	return v[1 : len(v)-1]
}

func TestDovecotActions(t *testing.T) {
	t.Parallel()
	d := newDovecot(t)
	adm := newAdmin(t, d.addr, d.user, d.password)
	folder, other := d.folder(t, adm), d.folder(t, adm)
	cfg := d.config(folder)
	cfg.Logger = testLogger(t)
	c := newConnector(t, cfg)
	newAdm := func() *admin { return newAdmin(t, d.addr, d.user, d.password) }
	f := actionsFixture(t, newAdm, folder, []string{folder, other, "Archive"})
	f.MoveTo = other
	f.MoveToRole, f.RoleFolder = connector.RoleArchive, "Archive"
	connectortest.RunActions(t, c, f)
}

// TestDovecotMarkAndMove: seen and flagged, then a move to the archive
// with MOVE, checked with a raw client.
func TestDovecotMarkAndMove(t *testing.T) {
	t.Parallel()
	d := newDovecot(t)
	adm := newAdmin(t, d.addr, d.user, d.password)
	folder := d.folder(t, adm)
	cfg := d.config(folder)
	cfg.Logger = testLogger(t)
	c := newConnector(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mc := newMoveCase(t, adm, c, folder)
	t.Cleanup(func() {
		cleanup := newAdmin(t, d.addr, d.user, d.password)
		for _, l := range cleanup.find(mc.msgID, "Archive") {
			cleanup.expunge(l.folder, l.uid)
		}
	})

	res, err := c.Modify(ctx, []connector.MessageRef{mc.ref}, connector.Action{Seen: seen(true)})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.Equal(t, mc.ref, connector.MessageRef{ProviderID: res[0].ProviderID, ProviderRef: res[0].ProviderRef}, "a mark keeps the identity")
	got := adm.find(mc.msgID, folder)
	require.True(t, hasFlag(got[0].flags, imap.FlagSeen), "\\Seen set")
	require.False(t, hasFlag(got[0].flags, imap.FlagFlagged))

	res, err = c.Modify(ctx, []connector.MessageRef{mc.ref}, connector.Action{Flagged: seen(true)})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.Equal(t, []string{connector.FlagFlagged, connector.FlagSeen}, res[0].Flags)
	require.True(t, hasFlag(adm.find(mc.msgID, folder)[0].flags, imap.FlagFlagged), "\\Flagged set")

	res, err = c.Modify(ctx, []connector.MessageRef{mc.ref}, connector.Action{MoveToRole: connector.RoleArchive})
	require.NoError(t, err)
	mc.checkMoved(t, res[0], folder, "Archive", cfg)
	require.True(t, hasFlag(adm.find(mc.msgID, "Archive")[0].flags, imap.FlagFlagged), "the flags moved with the message")

	// The old ref names nothing now.
	res, err = c.Modify(ctx, []connector.MessageRef{mc.ref}, connector.Action{Seen: seen(false)})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, connector.ErrNotFound)
}

func TestPairUIDs(t *testing.T) {
	t.Parallel()
	set := func(rs ...imap.UIDRange) imap.UIDSet { return imap.UIDSet(rs) }
	require.Equal(t, map[uint32]uint32{3: 10, 4: 11, 5: 12, 9: 13},
		pairUIDs(set(imap.UIDRange{Start: 3, Stop: 5}, imap.UIDRange{Start: 9, Stop: 9}), set(imap.UIDRange{Start: 10, Stop: 13})))
	require.Equal(t, map[uint32]uint32{3: 10, 4: 11, 5: 12},
		pairUIDs(set(imap.UIDRange{Start: 5, Stop: 3}), set(imap.UIDRange{Start: 10, Stop: 12})), "a range written high to low is the same set")
	require.Empty(t, pairUIDs(set(imap.UIDRange{Start: 3, Stop: 5}), set(imap.UIDRange{Start: 10, Stop: 11})), "sets of different sizes pair nothing")
	require.Empty(t, pairUIDs(set(imap.UIDRange{Start: 3, Stop: 0}), set(imap.UIDRange{Start: 10, Stop: 11})), "a dynamic set pairs nothing")
}
