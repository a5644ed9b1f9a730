package imap

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

// historyIDs returns the Message-IDs of ms that are (history) or are
// not (!history) marked History.
func historyIDs(ms []*connector.Message, history bool) []string {
	var out []string
	for _, m := range ms {
		if m.History == history {
			out = append(out, m.MessageID)
		}
	}
	return out
}

func doneBatches(r *syncResult) int {
	n := 0
	for _, b := range r.batches {
		if b.BackfillDone {
			n++
		}
	}
	return n
}

// TestBackfillCut: what the folders held at the mark is history; mail
// delivered after the mark (before the first sync, and while its
// batches are handed out) is not; BackfillDone is set once, on the last
// batch of the first sync, never again.
func TestBackfillCut(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.create("Support")
	old := deliverOld(adm, "INBOX", "old", 7)
	oldSupport := deliverOld(adm, "Support", "olds", 2)
	cfg := srv.config("INBOX", "Support")
	cfg.BatchSize = 3
	c := newConnector(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mark, err := c.BackfillCursor(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, mark)
	early := deliverN(adm, "INBOX", "early", 2) // after the mark, before the first sync

	// Mail arriving while the first batches are handed out.
	var during []string
	var got []*connector.Message
	var batches []*connector.Batch
	cur := mark
	err = c.Sync(ctx, mark, func(_ context.Context, b *connector.Batch) error {
		if len(batches) == 0 {
			during = deliverN(adm, "INBOX", "during", 1)
			during = append(during, deliverN(adm, "Support", "durings", 1)...)
		}
		batches = append(batches, b)
		got = append(got, b.Messages...)
		cur = b.Cursor
		return nil
	})
	require.NoError(t, err)
	require.ElementsMatch(t, append(old, oldSupport...), historyIDs(got, true))
	first := historyIDs(got, false)
	require.Subset(t, first, early)
	n := 0
	for _, b := range batches {
		if b.BackfillDone {
			n++
			require.Same(t, b, batches[len(batches)-1], "the backfill completes with the first sync's last batch")
		}
	}
	require.Equal(t, 1, n)

	// What the first sync did not see comes next, as new mail; the
	// backfill is not completed again.
	again := syncAll(t, c, cur)
	require.ElementsMatch(t, during, append(first[len(early):], historyIDs(again.messages, false)...))
	require.Empty(t, historyIDs(again.messages, true))
	require.Zero(t, doneBatches(again))

	// A UIDVALIDITY change: what the folder holds from before the mark
	// is history; the rest is the new mail already reported (the same
	// ProviderIDs, which a store has).
	adm.recreate("INBOX")
	re := syncAll(t, c, again.cursor)
	require.NotEmpty(t, re.changesOf(connector.ChangeResync))
	require.ElementsMatch(t, old, historyIDs(re.messages, true), "what was there before the mark is history")
	require.ElementsMatch(t, append(early, during[0]), historyIDs(re.messages, false), "mail received after the mark is not")
	require.Zero(t, doneBatches(re))
	after := deliverN(adm, "INBOX", "after", 1)
	last := syncAll(t, c, re.cursor)
	require.Equal(t, after, historyIDs(last.messages, false))
}

// TestBackfillZeroCursorHasNoHistory: a Sync from the zero cursor (no
// mark taken) reports nothing as history, as before marks existed.
func TestBackfillZeroCursorHasNoHistory(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	deliverN(srv.admin(), "INBOX", "plain", 3)
	r := syncAll(t, newConnector(t, srv.config()), "")
	require.Len(t, historyIDs(r.messages, false), 3)
	require.Zero(t, doneBatches(r))
}

// TestBackfillFolderAddedLater: a folder first synced after the mark has
// its mail then as history.
func TestBackfillFolderAddedLater(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.create("Later")
	deliverN(adm, "INBOX", "in", 1)
	held := deliverN(adm, "Later", "held", 2)
	c := newConnector(t, srv.config("INBOX"))
	mark, err := c.BackfillCursor(context.Background())
	require.NoError(t, err)
	first := syncAll(t, c, mark)
	require.Equal(t, 1, doneBatches(first))

	both := newConnector(t, srv.config("INBOX", "Later"))
	r := syncAll(t, both, first.cursor)
	require.ElementsMatch(t, held, historyIDs(r.messages, true))
	require.Zero(t, doneBatches(r))
	fresh := deliverN(adm, "Later", "fresh", 1)
	require.Equal(t, fresh, historyIDs(syncAll(t, both, r.cursor).messages, false))
}
