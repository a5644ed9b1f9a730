package outlook

import (
	"context"
	"time"

	"github.com/ucsp/integration/connector"
)

var _ connector.Backfiller = (*Connector)(nil)

// BackfillCursor returns the mark of a new integration (see
// connector.Backfiller). Graph has no watermark to read, so the mark is
// a time: now (Config.Now), to the second below, as receivedDateTime
// is. A message received before that second is History, in the first
// delta round of each folder as in every later one (a message that
// changes, or moves into a synced folder, is reported again and stays
// history); a message received in it or after is new mail, mail that
// arrives while the first round runs included: when in doubt, mail is
// announced rather than missed. BackfillDone is set on the batch that
// ends the last folder's first round. A folder's resync (410) keeps the
// mark; a resync of a cursor without one takes it then. No request is
// made.
func (c *Connector) BackfillCursor(_ context.Context) (connector.Cursor, error) {
	st := cursor{Mark: c.resyncMark(), Backfill: backfillRunning}.align(c.cfg.Folders)
	return st.encode(), nil
}

// resyncMark is the mark of now: Config.Now's second.
func (c *Connector) resyncMark() int64 { return c.cfg.Now().Unix() }

// markHistory sets History on the messages received before the mark.
func (c *cursor) markHistory(msgs []*connector.Message) {
	if c.Mark == 0 {
		return
	}
	mark := time.Unix(c.Mark, 0)
	for _, m := range msgs {
		m.History = !m.ReceivedAt.IsZero() && m.ReceivedAt.Before(mark)
	}
}

// roundsDone reports whether every folder's round reached its delta
// link.
func (c *cursor) roundsDone() bool {
	for _, f := range c.Folders {
		if !f.Done {
			return false
		}
	}
	return true
}
