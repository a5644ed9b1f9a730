package gmail

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

func historyOf(ms []*connector.Message, history bool) []string {
	var out []string
	for _, m := range ms {
		if m.History == history {
			out = append(out, m.ProviderID)
		}
	}
	return out
}

func doneCount(bs []*connector.Batch) int {
	n := 0
	for _, b := range bs {
		if b.BackfillDone {
			n++
		}
	}
	return n
}

// TestBackfillCut: the listing from the mark reports what the mailbox
// held at the mark as history, by history records, and mail inserted
// after the mark (before the sync, and while its pages are listed) as
// new; a label change of an old message does not make it new.
// BackfillDone comes once; an expired history's resync re-finds history
// only.
func TestBackfillCut(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64 // the fake's clock, from half an hour ago
	offset.Store(int64(-30 * time.Minute))
	f := newFixture(t, gmailtest.Options{Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }}, nil)
	old := f.insert(t, "old", 6, "INBOX")
	ctx := context.Background()
	mark, err := f.c.BackfillCursor(ctx)
	require.NoError(t, err)
	offset.Store(int64(2 * time.Second))                              // what comes after the mark was received after its second
	require.NoError(t, f.mb.Modify(old[0], []string{"STARRED"}, nil)) // moves the message's own historyId past the mark
	early := f.insert(t, "early", 2, "INBOX")

	var batches []*connector.Batch
	var msgs []*connector.Message
	var during []string
	cur := mark
	err = f.c.Sync(ctx, mark, func(_ context.Context, b *connector.Batch) error {
		if len(batches) == 0 {
			during = f.insert(t, "during", 2, "INBOX")
		}
		batches = append(batches, b)
		msgs = append(msgs, b.Messages...)
		cur = b.Cursor
		return nil
	})
	require.NoError(t, err)
	require.ElementsMatch(t, old, historyOf(msgs, true))
	news := historyOf(msgs, false)
	require.Subset(t, news, early)
	require.Equal(t, 1, doneCount(batches))

	// The next sync brings what the listing missed, as new.
	next := syncAll(t, f.c, cur)
	require.Empty(t, historyOf(next.messages, true))
	require.Subset(t, append(news, historyOf(next.messages, false)...), during)
	require.Zero(t, doneCount(next.batches))

	// History expired: the resync's listing re-finds the history as
	// history, and what was received after the mark as new mail (mail
	// that arrived while the history was lost among it).
	f.mb.ExpireHistory()
	late := f.insert(t, "late", 1, "INBOX")
	f.mb.ExpireHistory()
	re := syncAll(t, f.c, next.cursor)
	require.NotEmpty(t, re.changes)
	require.ElementsMatch(t, old, historyOf(re.messages, true))
	require.ElementsMatch(t, append(append(append([]string{}, early...), during...), late...), historyOf(re.messages, false))
	require.Zero(t, doneCount(re.batches))
	fresh := f.insert(t, "fresh", 1, "INBOX")
	require.Equal(t, fresh, historyOf(syncAll(t, f.c, re.cursor).messages, false))
}

// TestBackfillCursorResumes: a backfill stopped after a batch resumes
// from that batch's cursor with its marks.
func TestBackfillCursorResumes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	old := f.insert(t, "old", 9, "INBOX")
	mark, err := f.c.BackfillCursor(context.Background())
	require.NoError(t, err)
	fresh := f.insert(t, "new", 1, "INBOX")
	stop := context.Canceled
	var first *connector.Batch
	err = f.c.Sync(context.Background(), mark, func(_ context.Context, b *connector.Batch) error {
		first = b
		return stop
	})
	require.ErrorIs(t, err, stop)
	require.False(t, first.BackfillDone)
	rest := syncAll(t, f.c, first.Cursor)
	all := append(first.Messages, rest.messages...)
	require.Subset(t, historyOf(all, true), old[len(old)-1:])
	require.Equal(t, fresh, historyOf(all, false))
	require.Equal(t, 1, doneCount(rest.batches))
	_, err = parseCursor(first.Cursor)
	require.NoError(t, err)
}
