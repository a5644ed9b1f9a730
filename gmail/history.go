package gmail

import (
	"context"
	"errors"
	"slices"

	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/ucsp/integration/connector"
)

// errHistoryGone: history.list answered 404 for the stored historyId.
var errHistoryGone = errors.New("gmail: history no longer available")

// historyTypes are the changes an incremental sync asks for.
var historyTypes = []string{"messageAdded", "messageDeleted", "labelAdded", "labelRemoved"}

// historyPageSize is history.list's maxResults: its largest value, as a
// page costs 2 units whatever its size.
const historyPageSize = 500

// incremental syncs the history after start. It returns errHistoryGone
// when Gmail no longer has it.
func (c *Connector) incremental(ctx context.Context, from cursor, cur connector.Cursor, fn connector.BatchFunc) error {
	start := from.historyID
	at := func(id uint64) connector.Cursor { return cursor{historyID: id, since: from.since}.encode() }
	b := newHistoryBatch(c)
	token := ""
	for {
		page, err := c.historyPage(ctx, start, token)
		if errors.Is(err, connector.ErrNotFound) {
			return errHistoryGone
		}
		if err != nil {
			return err
		}
		for _, h := range page.History {
			if h.Id <= start {
				continue // not after start: Gmail's "after" taken strictly
			}
			b.add(h)
			if len(b.fetch) >= c.cfg.BatchSize {
				if err := b.flush(ctx, at(h.Id), fn); err != nil {
					return err
				}
				cur = at(h.Id)
			}
		}
		if page.NextPageToken == "" {
			last := max(page.HistoryId, b.lastID, start)
			next := at(last)
			if b.empty() && next == cur {
				return nil // nothing changed
			}
			return b.flush(ctx, next, fn)
		}
		token = page.NextPageToken
	}
}

func (c *Connector) historyPage(ctx context.Context, start uint64, token string) (*gmailapi.ListHistoryResponse, error) {
	var page *gmailapi.ListHistoryResponse
	err := c.call(ctx, "history.list", retryAll, func(ctx context.Context) error {
		call := c.svc.Users.History.List(me).StartHistoryId(start).HistoryTypes(historyTypes...).
			MaxResults(historyPageSize).Context(ctx)
		if token != "" {
			call.PageToken(token)
		}
		var err error
		page, err = call.Do()
		return err
	})
	return page, err
}

// historyBatch gathers history records until a batch is full.
type historyBatch struct {
	c       *Connector
	fetch   []string        // ids to fetch and report as messages, in order
	verify  map[string]bool // fetched because the record had no labels: report only if in scope
	changes []connector.Change
	lastID  uint64
}

func newHistoryBatch(c *Connector) *historyBatch { return &historyBatch{c: c} }

func (b *historyBatch) empty() bool { return len(b.fetch) == 0 && len(b.changes) == 0 }

// add applies one history record.
func (b *historyBatch) add(h *gmailapi.History) {
	b.lastID = max(b.lastID, h.Id)
	for _, e := range h.MessagesAdded {
		switch m := e.Message; {
		case m == nil:
		case m.LabelIds == nil:
			b.addUnknown(m.Id)
		case b.c.inScope(m.LabelIds):
			b.addFetch(m.Id)
		}
	}
	for _, e := range h.LabelsAdded {
		if e.Message != nil {
			b.labelChange(e.Message, without(e.Message.LabelIds, e.LabelIds))
		}
	}
	for _, e := range h.LabelsRemoved {
		if e.Message != nil {
			b.labelChange(e.Message, union(e.Message.LabelIds, e.LabelIds))
		}
	}
	for _, e := range h.MessagesDeleted {
		if m := e.Message; m != nil {
			b.fetch = slices.DeleteFunc(b.fetch, func(id string) bool { return id == m.Id })
			b.changes = append(b.changes, connector.Change{Kind: connector.ChangeDeleted, ProviderID: m.Id})
		}
	}
}

// labelChange handles a message whose labels went from before to
// m.LabelIds: entering the scope, it is fetched; otherwise, when it has
// or had Config.Label (spam and trash aside), a ChangeFlags reports its
// new labels; otherwise it is not ours.
func (b *historyBatch) labelChange(m *gmailapi.Message, before []string) {
	if m.LabelIds == nil {
		b.addUnknown(m.Id)
		return
	}
	switch {
	case b.c.inScope(m.LabelIds) && !b.c.inScope(before):
		b.addFetch(m.Id)
	case b.c.hasLabel(before) || b.c.hasLabel(m.LabelIds):
		b.changes = append(b.changes, connector.Change{
			Kind: connector.ChangeFlags, ProviderID: m.Id,
			Labels: slices.Clone(m.LabelIds), Flags: flagsOf(m.LabelIds),
		})
	}
}

// addUnknown fetches a message a record gave without its labels, to be
// reported only if it turns out to be in scope.
func (b *historyBatch) addUnknown(id string) {
	if !slices.Contains(b.fetch, id) {
		if b.verify == nil {
			b.verify = map[string]bool{}
		}
		b.verify[id] = true
	}
	b.addFetch(id)
}

func (b *historyBatch) addFetch(id string) {
	if !slices.Contains(b.fetch, id) {
		b.fetch = append(b.fetch, id)
	}
}

// flush fetches the batch's messages and hands the batch to fn. Label
// changes of a reported message are dropped: the message carries its
// current labels.
func (b *historyBatch) flush(ctx context.Context, cur connector.Cursor, fn connector.BatchFunc) error {
	msgs, err := b.c.fetchMessages(ctx, b.fetch)
	if err != nil {
		return err
	}
	msgs = slices.DeleteFunc(msgs, func(m *connector.Message) bool {
		return b.verify[m.ProviderID] && !b.c.inScope(m.Labels)
	})
	changes := slices.DeleteFunc(b.changes, func(ch connector.Change) bool {
		return ch.Kind == connector.ChangeFlags && slices.ContainsFunc(msgs, func(m *connector.Message) bool { return m.ProviderID == ch.ProviderID })
	})
	b.fetch, b.verify, b.changes = nil, nil, nil
	return fn(ctx, &connector.Batch{Messages: msgs, Changes: changes, Cursor: cur})
}

func without(labels, drop []string) []string {
	return slices.DeleteFunc(slices.Clone(labels), func(l string) bool { return slices.Contains(drop, l) })
}

func union(labels, more []string) []string {
	out := slices.Clone(labels)
	for _, l := range more {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
