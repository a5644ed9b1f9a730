package imap

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap/internal/uidset"
)

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	states := []*folderState{
		{name: "INBOX", uidValidity: 1795649242, lastUID: 10000, modSeq: 5678, uids: uidset.Of(1, 2, 3, 5, 10000)},
		nil, // a folder not synced yet
		{name: "Archive/2024", uidValidity: 7, lastUID: 3},
	}
	c := encodeCursor(states)
	require.True(t, strings.HasPrefix(string(c), "imap1:"))
	got, err := decodeCursor(c)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.True(t, got["INBOX"].equal(states[0]))
	require.True(t, got["Archive/2024"].equal(states[2]))

	empty, err := decodeCursor("")
	require.NoError(t, err)
	require.Empty(t, empty)
}

// TestCursorKeepsTheMarkTime: the backfill state, the mark's time and a
// resynced folder's time rule survive a round trip; a folder's time
// rule without a mark time is dropped (the UID rule alone).
func TestCursorKeepsTheMarkTime(t *testing.T) {
	t.Parallel()
	states := []*folderState{
		{name: "INBOX", uidValidity: 9, lastUID: 4, uids: uidset.Of(1, 4), mark: 5, byTime: true},
		{name: "Sent", uidValidity: 3, lastUID: 2, mark: 3},
	}
	head := cursorHead{backfill: backfillRunning, markTime: 1796688000}
	got, gotHead, err := readCursor(writeCursor(states, head))
	require.NoError(t, err)
	require.Equal(t, head, gotHead)
	require.True(t, got["INBOX"].equal(states[0]))
	require.True(t, got["Sent"].equal(states[1]))

	got, gotHead, err = readCursor(writeCursor(states, cursorHead{backfill: backfillDone}))
	require.NoError(t, err)
	require.Zero(t, gotHead.markTime)
	require.False(t, got["INBOX"].byTime)
}

func TestCursorRejectsGarbage(t *testing.T) {
	t.Parallel()
	for _, c := range []connector.Cursor{
		"mem1:1:2",
		"imap1:!!!",
		"imap1:" + "bm90IGpzb24", // "not json"
		encodeCursor([]*folderState{{name: "INBOX", uidValidity: 0, lastUID: 1}}),
		encodeCursor([]*folderState{{name: "INBOX", uidValidity: 1, lastUID: 2, uids: uidset.Of(3)}}), // a UID above lastUID
	} {
		_, err := decodeCursor(c)
		require.ErrorIs(t, err, errCursor, "%s", c)
	}
}

func TestCursorStaysSmallForALargeFolder(t *testing.T) {
	t.Parallel()
	var uids uidset.Set
	for u := uint32(1); u <= 100_000; u++ {
		if u%500 != 0 { // 200 deletions spread over the folder
			uids.Add(u)
		}
	}
	c := encodeCursor([]*folderState{{name: "INBOX", uidValidity: 1, lastUID: 100_000, modSeq: 123456, uids: uids}})
	require.Less(t, len(c), 4096, "a 100,000-message folder's cursor is %d bytes", len(c))
}
