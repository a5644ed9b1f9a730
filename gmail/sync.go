package gmail

import (
	"context"
	"errors"

	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/ucsp/integration/connector"
)

// Sync hands fn what changed since cur, in batches of at most
// Config.BatchSize messages, each with the cursor covering it.
//
// From the zero cursor it runs a full sync: it reads the profile's
// historyId first, so that mail arriving during the listing is picked up
// by the next incremental sync, then lists the messages of
// Config.Label (and Config.Query), one messages.list page per batch,
// and gets each in the raw format. The cursor of a batch resumes the
// listing after it; the last batch's cursor is the historyId read
// first.
//
// From that cursor on it syncs incrementally with history.list
// (messageAdded, messageDeleted, labelAdded, labelRemoved): new
// messages are fetched and reported, deletions are
// connector.ChangeDeleted changes and label changes
// connector.ChangeFlags changes carrying the message's labels (and
// flags) after the change. A message that gains Config.Label is
// reported as a message. Each batch's cursor is the id of the last
// history record it covers, and the last one the historyId of the last
// page, as Google advises.
//
// A historyId Gmail no longer has (404, after about a week) starts a
// full sync over, whose first batch carries a connector.ChangeResync:
// messages reported again keep their ProviderID, so a caller that
// upserts by it stores nothing twice.
func (c *Connector) Sync(ctx context.Context, cur connector.Cursor, fn connector.BatchFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cur.IsZero() {
		return c.fullSync(ctx, cursor{}, "", fn)
	}
	p, err := parseCursor(cur)
	switch {
	case err != nil:
		return c.fullSync(ctx, cursor{mark: 'r'}, "cursor not understood", fn)
	case p.full:
		return c.fullSync(ctx, p, "", fn)
	}
	err = c.incremental(ctx, p, cur, fn)
	if errors.Is(err, errHistoryGone) {
		c.log.InfoContext(ctx, "gmail: history expired, syncing in full", "history_id", p.historyID)
		return c.fullSync(ctx, cursor{mark: 'r', since: p.since}, "history expired", fn)
	}
	return err
}

// fullSync lists every message in scope from st (no historyId: from
// the start, reading the historyId first). A resync reason puts a
// ChangeResync in the first batch. A listing with a mark (st.mark) tells
// history from new mail (see historyMarks).
func (c *Connector) fullSync(ctx context.Context, st cursor, resync string, fn connector.BatchFunc) error {
	if st.historyID == 0 {
		p, err := c.Profile(ctx)
		if err != nil {
			return err
		}
		st = cursor{historyID: p.HistoryID, full: true, mark: st.mark, since: st.since}
	}
	resumed := st.pageToken != ""
	var marks *historyMarks
	if st.mark != 0 {
		marks = &historyMarks{c: c, after: st.historyID}
	}
	for first := true; ; first = false {
		page, err := c.listPage(ctx, st.pageToken)
		if errors.Is(err, connector.ErrPermanent) && first && resumed {
			// A stored page token Gmail no longer accepts: start over (a
			// backfill from its mark, anything else as a resync).
			c.log.InfoContext(ctx, "gmail: page token refused, syncing in full", "error", err)
			again := cursor{mark: 'r', since: st.since}
			if st.mark == 'b' {
				again = cursor{historyID: st.historyID, full: true, mark: 'b', since: st.since}
			}
			return c.fullSync(ctx, again, "page token no longer valid", fn)
		}
		if err != nil {
			return err
		}
		if marks != nil {
			// After the listing of the page: every message it lists that
			// arrived after the mark has its record by now.
			if err := marks.read(ctx); err != nil {
				return err
			}
		}
		ids := make([]string, len(page.Messages))
		for i, m := range page.Messages {
			ids[i] = m.Id
		}
		msgs, err := c.fetchMessages(ctx, ids)
		if err != nil {
			return err
		}
		b := &connector.Batch{Messages: msgs[:0]}
		for _, m := range msgs {
			if c.inScope(m.Labels) {
				m.History = marks != nil && marks.history(m, st)
				b.Messages = append(b.Messages, m)
			}
		}
		if resync != "" {
			b.Changes = []connector.Change{{Kind: connector.ChangeResync, Reason: resync}}
			resync = ""
		}
		st.pageToken = page.NextPageToken
		st.full = st.pageToken != ""
		b.BackfillDone = !st.full && st.mark == 'b'
		b.Cursor = st.encode()
		if err := fn(ctx, b); err != nil {
			return err
		}
		if !st.full {
			return nil
		}
	}
}

// listPage is one messages.list page of the messages in scope.
func (c *Connector) listPage(ctx context.Context, token string) (*gmailapi.ListMessagesResponse, error) {
	var page *gmailapi.ListMessagesResponse
	err := c.call(ctx, "messages.list", retryAll, func(ctx context.Context) error {
		call := c.svc.Users.Messages.List(me).MaxResults(int64(c.cfg.BatchSize)).Context(ctx)
		if c.cfg.Label != AllMail {
			call.LabelIds(c.cfg.Label)
		}
		if c.cfg.Query != "" {
			call.Q(c.cfg.Query)
		}
		if c.cfg.IncludeSpamTrash {
			call.IncludeSpamTrash(true)
		}
		if token != "" {
			call.PageToken(token)
		}
		var err error
		page, err = call.Do()
		return err
	})
	return page, err
}
