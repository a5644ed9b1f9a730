package gmail

import (
	"context"
	"errors"
	"time"

	"github.com/ucsp/integration/connector"
)

var _ connector.Backfiller = (*Connector)(nil)

// BackfillCursor returns the mark of a new integration (see
// connector.Backfiller): the profile's historyId now (users.getProfile,
// 1 unit). A Sync from it lists the mailbox as a full sync does, then
// syncs the history after the mark. A listed message is History unless
// a history record after the mark shows it added (messagesAdded): the
// records, read after each page is listed, not the message's own
// historyId, which label changes move. BackfillDone is set on the
// listing's last batch. A full sync that a resync starts (history
// expired, an unreadable cursor) tells history from new mail the same
// way, from the historyId it reads first, without BackfillDone, and
// with the mark's time, kept in the cursor: a message received
// (internalDate) after the mark's second is new mail, which the caller
// stores once whether or not it had it, so that mail that arrived while
// the history Gmail lost was not synced is still announced.
func (c *Connector) BackfillCursor(ctx context.Context) (connector.Cursor, error) {
	p, err := c.Profile(ctx)
	if err != nil {
		return "", err
	}
	return cursor{historyID: p.HistoryID, full: true, mark: 'b', since: time.Now().Unix()}.encode(), nil
}

// historyMarks are the messages history records show added after a
// mark, read incrementally: each read continues where the last ended.
type historyMarks struct {
	c     *Connector
	after uint64          // the mark
	next  uint64          // the last record read (0: none yet)
	ids   map[string]bool // added after the mark
	// gone: Gmail no longer has the history after the mark; nothing can
	// be told new, and every listed message is history.
	gone bool
}

// read reads the records after the last one read.
func (h *historyMarks) read(ctx context.Context) error {
	if h.gone {
		return nil
	}
	if h.ids == nil {
		h.ids = map[string]bool{}
	}
	start := max(h.next, h.after)
	token := ""
	for {
		page, err := h.c.historyPage(ctx, start, token)
		if errors.Is(err, connector.ErrNotFound) {
			h.c.log.InfoContext(ctx, "gmail: history after the mark expired; the listing is all history", "history_id", h.after)
			h.gone = true
			return nil
		}
		if err != nil {
			return err
		}
		for _, r := range page.History {
			if r.Id <= start {
				continue
			}
			h.next = max(h.next, r.Id)
			for _, e := range r.MessagesAdded {
				if e.Message != nil {
					h.ids[e.Message.Id] = true
				}
			}
		}
		if page.NextPageToken == "" {
			return nil
		}
		token = page.NextPageToken
	}
}

// history reports whether m, listed by the full sync st, is history: a
// message no record after the listing's start shows added, and, in a
// resync that knows the backfill mark's time, one received before it.
func (h *historyMarks) history(m *connector.Message, st cursor) bool {
	if h.ids[m.ProviderID] {
		return false
	}
	if st.mark == 'r' && st.since != 0 && !m.ReceivedAt.IsZero() {
		return m.ReceivedAt.Before(time.Unix(st.since, 0))
	}
	return true
}
