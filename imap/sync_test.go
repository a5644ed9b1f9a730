package imap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func deliverN(a *admin, folder, prefix string, n int) []string {
	ids := make([]string, n)
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		a.appendMsg(folder, testMessage(id))
		ids[i] = id + "@example.test"
	}
	return ids
}

// deliverOld appends n messages received (INTERNALDATE) an hour ago,
// before any mark a test takes, and returns their Message-IDs.
func deliverOld(a *admin, folder, prefix string, n int) []string {
	at := time.Now().Add(-time.Hour)
	ids := make([]string, n)
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		a.appendAt(folder, testMessage(id), at)
		ids[i] = id + "@example.test"
	}
	return ids
}

func messageIDs(ms []*connector.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.MessageID
	}
	return out
}

func TestSyncBatchesInUIDOrder(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	want := deliverN(adm, "INBOX", "order", 23)
	cfg := srv.config()
	cfg.BatchSize = 5
	r := syncAll(t, newConnector(t, cfg), "")
	require.Equal(t, want, messageIDs(r.messages), "every message once, in UID order")
	require.Len(t, r.batches, 5)
	for _, b := range r.batches {
		require.LessOrEqual(t, len(b.Messages), 5)
		require.NotEmpty(t, b.Cursor)
	}
	m := r.messages[0]
	require.Equal(t, []string{"INBOX"}, m.Folders)
	require.Equal(t, "INBOX;UIDVALIDITY=1/;UID=1", m.ProviderRef)
	require.False(t, m.ReceivedAt.IsZero(), "ReceivedAt is INTERNALDATE")
	require.Positive(t, m.Size)
}

func TestSyncNeverMarksRead(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	unread := adm.appendMsg("INBOX", testMessage("unread"))
	read := adm.appendMsg("INBOX", testMessage("read"), imap.FlagSeen, imap.FlagFlagged, "$Forwarded")
	r := syncAll(t, newConnector(t, srv.config()), "")
	require.Len(t, r.messages, 2)
	require.Empty(t, r.byMessageID("unread@example.test").Flags)
	require.Equal(t, []string{"$Forwarded", connector.FlagFlagged, connector.FlagSeen}, r.byMessageID("read@example.test").Flags)
	require.NotContains(t, adm.flags("INBOX", unread), imap.FlagSeen, "BODY.PEEK[] must leave \\Seen alone")
	require.Contains(t, adm.flags("INBOX", read), imap.FlagSeen)
}

func TestSyncNothingChangedCallsNothing(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	deliverN(srv.admin(), "INBOX", "same", 3)
	c := newConnector(t, srv.config())
	first := syncAll(t, c, "")
	again := syncAll(t, c, first.cursor)
	require.Empty(t, again.batches, "an unchanged mailbox gives no batch")
	require.Equal(t, first.cursor, again.cursor)
}

func TestSyncReportsExpungesByRef(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	deliverN(adm, "INBOX", "exp", 6)
	c := newConnector(t, srv.config())
	first := syncAll(t, c, "")
	refs := map[string]string{}
	for _, m := range first.messages {
		refs[m.MessageID] = m.ProviderRef
	}
	adm.expunge("INBOX", 2, 5)
	newer := deliverN(adm, "INBOX", "after", 2)
	second := syncAll(t, c, first.cursor)
	require.Equal(t, newer, messageIDs(second.messages))
	var gone []string
	for _, ch := range second.changesOf(connector.ChangeDeleted) {
		require.Empty(t, ch.ProviderID)
		gone = append(gone, ch.ProviderRef)
	}
	require.Equal(t, []string{refs["exp-001@example.test"], refs["exp-004@example.test"]}, gone)
	third := syncAll(t, c, second.cursor)
	require.Empty(t, third.changes, "an expunge is reported once")
}

// A new UIDVALIDITY renumbers every message: the sync starts the folder
// over with a ChangeResync and reports the same ProviderIDs at new refs.
func TestSyncUIDValidityChange(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.create("Support")
	deliverN(adm, "Support", "uv", 7)
	cfg := srv.config("Support")
	cfg.BatchSize = 3
	c := newConnector(t, cfg)
	first := syncAll(t, c, "")
	adm.recreate("Support")
	again := syncAll(t, c, first.cursor)

	require.Equal(t, []connector.Change{{Kind: connector.ChangeResync, Folder: "Support", Reason: "uidvalidity changed from 2 to 3"}}, again.batches[0].Changes)
	require.Len(t, again.messages, 7)
	for i, m := range again.messages {
		before := first.messages[i]
		require.Equal(t, before.MessageID, m.MessageID)
		require.Equal(t, before.ProviderID, m.ProviderID, "the ProviderID survives renumbering")
		require.NotEqual(t, before.ProviderRef, m.ProviderRef, "the ref is the new address")
	}
	require.Empty(t, syncAll(t, c, again.cursor).batches)
}

func TestSyncResumesWhereACrashLeftIt(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	want := deliverN(srv.admin(), "INBOX", "crash", 20)
	cfg := srv.config()
	cfg.BatchSize = 3
	c := newConnector(t, cfg)
	ctx := context.Background()
	var committed []string
	var cursor connector.Cursor
	errCrash := errors.New("crash")
	// Fail at every batch in turn: the store commits nothing of a failed
	// batch, and the next run resumes from the last committed cursor.
	for fail := 1; ; fail++ {
		n := 0
		err := c.Sync(ctx, cursor, func(_ context.Context, b *connector.Batch) error {
			n++
			if n == 2 {
				return errCrash
			}
			committed = append(committed, messageIDs(b.Messages)...)
			cursor = b.Cursor
			return nil
		})
		if err == nil {
			break
		}
		require.ErrorIs(t, err, errCrash)
		require.Less(t, fail, 20)
	}
	require.Equal(t, want, committed, "every message exactly once, in order")
}

func TestSyncSeveralFolders(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.create("Escalations")
	inbox := deliverN(adm, "INBOX", "in", 3)
	esc := deliverN(adm, "Escalations", "esc", 2)

	only := syncAll(t, newConnector(t, srv.config("INBOX")), "")
	require.Equal(t, inbox, messageIDs(only.messages))

	// The configuration grows a folder: the old cursor still serves INBOX.
	c := newConnector(t, srv.config("INBOX", "Escalations"))
	r := syncAll(t, c, only.cursor)
	require.Equal(t, esc, messageIDs(r.messages))
	require.Empty(t, r.changes)
	for _, m := range r.messages {
		require.Equal(t, []string{"Escalations"}, m.Folders)
		require.Regexp(t, `^Escalations/[A-Za-z0-9_-]{22}$`, m.ProviderID)
	}
	more := deliverN(adm, "INBOX", "in2", 1)
	require.Equal(t, more, messageIDs(syncAll(t, c, r.cursor).messages))
}

func TestSyncUnreadableCursorStartsOver(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	want := deliverN(srv.admin(), "INBOX", "garbage", 2)
	r := syncAll(t, newConnector(t, srv.config()), "mem1:123:4")
	require.Equal(t, want, messageIDs(r.messages))
	require.Equal(t, []connector.Change{{Kind: connector.ChangeResync, Folder: "INBOX", Reason: "cursor unreadable"}}, r.batches[0].Changes)
}

func TestSyncEmptyFolderThenMail(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	c := newConnector(t, srv.config())
	empty := syncAll(t, c, "")
	require.Len(t, empty.batches, 1, "the first sync of an empty folder hands out its cursor")
	require.Empty(t, empty.batches[0].Messages)
	want := deliverN(srv.admin(), "INBOX", "late", 2)
	require.Equal(t, want, messageIDs(syncAll(t, c, empty.cursor).messages))
}

func TestSyncCancelledMidFetchReturnsPromptly(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	deliverN(srv.admin(), "INBOX", "cancel", 60)
	cfg := srv.config()
	cfg.BatchSize = 5
	c := newConnector(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	batches := 0
	err := c.Sync(ctx, "", func(context.Context, *connector.Batch) error {
		batches++
		if batches == 2 {
			cancel()
		}
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(start), 10*time.Second)
	require.Equal(t, 2, batches, "no batch after the context ended")
	// The connector is still usable: the broken connection was dropped.
	require.Len(t, syncAll(t, c, "").messages, 60)
}

func TestSyncUnparsableMessageIsKept(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.appendMsg("INBOX", []byte("\r\n\r\njust a body, no header at all\r\n"))
	adm.appendMsg("INBOX", testMessage("fine"))
	r := syncAll(t, newConnector(t, srv.config()), "")
	require.Len(t, r.messages, 2, "a message the parser cannot read is reported with a problem, not dropped")
	require.NotEmpty(t, r.messages[0].Problems)
	require.NotEmpty(t, r.messages[0].ProviderID)
	require.Equal(t, "fine@example.test", r.messages[1].MessageID)
	ids := []string{r.messages[0].ProviderID, r.messages[1].ProviderID}
	require.Len(t, slices.Compact(ids), 2)
}

// A server that stops answering in the middle of a FETCH, and one whose
// connection drops: the sync fails as temporary, promptly, and the next
// sync resumes from the last committed cursor with every message exactly
// once.
func TestSyncSurvivesBrokenConnectionsMidFetch(t *testing.T) {
	t.Parallel()
	for _, hang := range []bool{true, false} {
		t.Run(map[bool]string{true: "hang", false: "drop"}[hang], func(t *testing.T) {
			t.Parallel()
			srv := newMemServer(t, memOptions{})
			want := deliverN(srv.admin(), "INBOX", "broken", 40)
			f := newFreezer()
			p := newProxy(t, srv.addr, f.rewrite)
			t.Cleanup(f.release)
			cfg := srv.config()
			cfg.Host, cfg.Port = splitAddr(t, p.addr())
			cfg.BatchSize = 4
			cfg.CommandTimeout = 300 * time.Millisecond
			c := newConnector(t, cfg)
			var committed []string
			var cursor connector.Cursor
			n := 0
			commit := func(_ context.Context, b *connector.Batch) error {
				if n++; n == 3 && !hang {
					p.dropAll()
				}
				committed = append(committed, messageIDs(b.Messages)...)
				cursor = b.Cursor
				return nil
			}
			if hang {
				f.freezeAt.Store(25)
			}
			start := time.Now()
			err := c.Sync(context.Background(), "", commit)
			require.ErrorIs(t, err, connector.ErrTemporary)
			require.Less(t, time.Since(start), 10*time.Second)
			if hang {
				require.ErrorContains(t, err, "no answer from the server")
			}
			f.release()
			require.NotEmpty(t, committed)
			require.NoError(t, c.Sync(context.Background(), cursor, commit))
			require.Equal(t, want, committed, "every message exactly once after resuming")
		})
	}
}
