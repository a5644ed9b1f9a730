package imap

import (
	"context"
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/ucsp/integration/connector"
)

var _ connector.Backfiller = (*Connector)(nil)

// BackfillCursor returns the mark of a new integration (see
// connector.Backfiller): each of Config.Folders' UIDVALIDITY and UIDNEXT
// now, from EXAMINE (read-only, as a sync's). A Sync from it reports every message of the folders,
// those below their UIDNEXT as History, and sets BackfillDone on the
// batch after which every folder was synced past its mark. The cursor
// keeps the mark's time too, for resyncs: a folder whose UIDVALIDITY
// changes (before that sync or any time after) starts over with the
// UIDNEXT it has then as its mark, and what it holds below it is
// history only if its INTERNALDATE is before the mark's time.
func (c *Connector) BackfillCursor(ctx context.Context) (connector.Cursor, error) {
	const op = "imap: backfill mark"
	// The mark's time, taken before any UIDNEXT is read, so that mail
	// that gets a UID at or above a folder's mark has an INTERNALDATE at
	// or after it (on one clock; see Sync).
	at := time.Now().Unix()
	cn, err := c.pool.get(ctx, op)
	if err != nil {
		return "", err
	}
	defer c.pool.put(cn)
	states := make([]*folderState, len(c.cfg.Folders))
	for i, f := range c.cfg.Folders {
		sel, err := cn.selectFolder(ctx, f, true)
		if err != nil {
			return "", err
		}
		if sel.UIDValidity == 0 {
			return "", connector.PermanentError("imap: select "+quoteFolder(f), errors.New("the server reported no UIDVALIDITY"))
		}
		next := uint32(sel.UIDNext)
		if next == 0 && sel.NumMessages > 0 {
			// No UIDNEXT in the answer (RFC 3501 requires it; some
			// servers leave it out): the highest UID, plus one.
			all, err := cn.searchUIDs(ctx, &imap.SearchCriteria{})
			if err != nil {
				return "", err
			}
			next = all.Max() + 1
		}
		states[i] = &folderState{name: f, uidValidity: sel.UIDValidity, mark: next}
	}
	return writeCursor(states, cursorHead{backfill: backfillRunning, markTime: at}), nil
}
