package outlook

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// testClock is a clock the fake and the connector share, moved by hand.
type testClock struct{ t atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *testClock) advance(d time.Duration) { c.t.Add(int64(d)) }

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

// TestBackfillCut: mail received before the mark's second is history in
// the first round and after; mail received after it (before the first
// round, and while it runs) is new. BackfillDone ends the last folder's
// first round, once; a 410 resync re-finds history only.
func TestBackfillCut(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	clock.t.Store(time.Now().Add(-time.Hour).UnixNano())
	f := newFixture(t, outlooktest.Options{Now: clock.now}, func(c *Config) {
		c.Now = clock.now
		c.Folders = []string{"inbox", "archive"}
	})
	old := f.insert(t, "inbox", "old", 6)
	oldArchive := f.insert(t, "archive", "olda", 2)
	clock.advance(10 * time.Second)
	ctx := context.Background()
	mark, err := f.c.BackfillCursor(ctx)
	require.NoError(t, err)
	clock.advance(10 * time.Second)
	early := f.insert(t, "inbox", "early", 1)

	var batches []*connector.Batch
	var msgs []*connector.Message
	var during []string
	cur := mark
	err = f.c.Sync(ctx, mark, func(_ context.Context, b *connector.Batch) error {
		if len(batches) == 0 {
			clock.advance(time.Second)
			during = append(f.insert(t, "inbox", "during", 1), f.insert(t, "archive", "duringa", 1)...)
		}
		batches = append(batches, b)
		msgs = append(msgs, b.Messages...)
		cur = b.Cursor
		return nil
	})
	require.NoError(t, err)
	require.ElementsMatch(t, append(old, oldArchive...), historyOf(msgs, true))
	require.Subset(t, historyOf(msgs, false), early)
	require.Equal(t, 1, doneCount(batches))
	require.True(t, batches[len(batches)-1].BackfillDone)

	next := syncAll(t, f.c, cur)
	require.Empty(t, historyOf(next.messages, true))
	require.Subset(t, append(historyOf(msgs, false), historyOf(next.messages, false)...), during)
	require.Zero(t, doneCount(next.batches))

	// An old message that changes is reported again: still history.
	require.NoError(t, f.mb.SetRead(old[0], true))
	changed := syncAll(t, f.c, next.cursor)
	require.Contains(t, historyOf(changed.messages, true), old[0])
	require.Empty(t, historyOf(changed.messages, false))

	f.mb.ExpireDeltaTokens()
	re := syncAll(t, f.c, changed.cursor)
	require.NotEmpty(t, re.kinds(connector.ChangeResync))
	require.Subset(t, historyOf(re.messages, true), old)
	require.Zero(t, doneCount(re.batches))
}

// TestBackfillResyncWithoutMark: a cursor from before marks existed gets
// one at a resync, so that the new round's messages are history.
func TestBackfillResyncWithoutMark(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	clock.t.Store(time.Now().Add(-time.Hour).UnixNano())
	f := newFixture(t, outlooktest.Options{Now: clock.now}, func(c *Config) { c.Now = clock.now })
	f.insert(t, "inbox", "m", 3)
	first := syncAll(t, f.c, "")
	require.Len(t, historyOf(first.messages, false), 3, "no mark: nothing is history")
	clock.advance(5 * time.Second)
	f.mb.ExpireDeltaTokens()
	re := syncAll(t, f.c, first.cursor)
	require.Len(t, historyOf(re.messages, true), 3)
	clock.advance(5 * time.Second)
	fresh := f.insert(t, "inbox", "fresh", 1)
	require.Equal(t, fresh, historyOf(syncAll(t, f.c, re.cursor).messages, false))
}
