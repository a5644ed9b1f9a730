package imap

import (
	"context"
	"errors"

	"github.com/ucsp/integration/connector"
)

var _ connector.Backfiller = (*Connector)(nil)

// BackfillCursor returns the mark of a new integration (see
// connector.Backfiller): each of Config.Folders' UIDVALIDITY and UIDNEXT
// now, from STATUS. A Sync from it reports every message of the folders,
// those below their UIDNEXT as History, and sets BackfillDone on the
// batch after which every folder was synced past its mark. A folder
// whose UIDVALIDITY changed before that sync starts over with the
// UIDNEXT it has then as its mark.
func (c *Connector) BackfillCursor(ctx context.Context) (connector.Cursor, error) {
	const op = "imap: backfill mark"
	cn, err := c.pool.get(ctx, op)
	if err != nil {
		return "", err
	}
	defer c.pool.put(cn)
	states := make([]*folderState, len(c.cfg.Folders))
	for i, f := range c.cfg.Folders {
		k, err := cn.status(ctx, f)
		if err != nil {
			return "", err
		}
		if k.uidValidity == 0 {
			return "", connector.PermanentError("imap: status "+quoteFolder(f), errors.New("the server reported no UIDVALIDITY"))
		}
		states[i] = &folderState{name: f, uidValidity: k.uidValidity, mark: uint32(k.uidNext)}
	}
	return writeCursor(states, backfillRunning), nil
}
