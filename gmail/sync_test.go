package gmail

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// A full sync lists one page per batch (maxResults = BatchSize, the
// label as labelIds), resumes from the page token in its cursor, and
// ends on the historyId it read before listing.
func TestFullSyncPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	f.insert(t, "m", 10)
	start := f.mb.HistoryID()
	r := syncAll(t, f.c, "")
	require.Len(t, r.batches, 3)
	require.Len(t, r.messages, 10)
	for i, b := range r.batches[:2] {
		require.True(t, strings.HasPrefix(string(b.Cursor), "gmail1:f:"+strconv.FormatUint(start, 10)+":"), "batch %d cursor %s", i, b.Cursor)
	}
	require.Equal(t, connector.Cursor("gmail1:h:"+strconv.FormatUint(start, 10)), r.cursor)
	lists := f.srv.Requests("messages.list")
	require.Len(t, lists, 3)
	for i, l := range lists {
		require.Equal(t, "4", l.Query.Get("maxResults"))
		require.Equal(t, []string{"INBOX"}, l.Query["labelIds"])
		require.Equal(t, i > 0, l.Query.Get("pageToken") != "", "page %d", i)
	}
}

// The profile's historyId is read before the listing starts, so mail
// that arrives while a full sync lists is picked up by the next sync.
func TestFullSyncReadsHistoryIDBeforeListing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	f.insert(t, "old", 6)
	var cur connector.Cursor
	late := false
	err := f.c.Sync(context.Background(), "", func(_ context.Context, b *connector.Batch) error {
		if !late {
			late = true
			f.insert(t, "late", 1) // arrives during the listing, after the page that would list it
		}
		cur = b.Cursor
		return nil
	})
	require.NoError(t, err)
	all := f.srv.Requests("")
	require.Equal(t, "users.getProfile", all[0].Method, "the historyId is read first")
	next := syncAll(t, f.c, cur)
	require.Contains(t, next.subjects(), "late 0", "mail that arrived during the full sync")
}

// history.list is asked for the four change types, 500 records a page;
// a batch ends at a history record's id and resumes after it; the last
// cursor is the historyId of the last page.
func TestIncrementalHistoryPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	first := syncAll(t, f.c, "")
	ids := f.insert(t, "new", 9)
	for _, id := range ids[:3] {
		require.NoError(t, f.mb.Modify(id, []string{"STARRED"}, nil))
	}
	r := syncAll(t, f.c, first.cursor)
	require.Len(t, r.messages, 9)
	require.Len(t, r.batches, 3, "batches of at most BatchSize messages")
	require.Equal(t, connector.Cursor("gmail1:h:"+strconv.FormatUint(f.mb.HistoryID(), 10)), r.cursor)
	h := f.srv.Requests("history.list")[0]
	require.ElementsMatch(t, []string{"messageAdded", "messageDeleted", "labelAdded", "labelRemoved"}, h.Query["historyTypes"])
	require.Equal(t, "500", h.Query.Get("maxResults"))

	// Resuming from the first batch's cursor repeats none of its messages.
	resumed := syncAll(t, f.c, r.batches[0].Cursor)
	for _, m := range resumed.messages {
		require.False(t, slices.ContainsFunc(r.batches[0].Messages, func(o *connector.Message) bool { return o.ProviderID == m.ProviderID }))
	}
	require.Len(t, resumed.messages, 9-len(r.batches[0].Messages))
}

// More history than one page (500 records) is followed through
// nextPageToken, and the stored cursor is the last page's historyId.
func TestIncrementalFollowsHistoryPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.BatchSize = 500 })
	ids := f.insert(t, "m", 1)
	first := syncAll(t, f.c, "")
	for i := range 600 {
		add, del := []string{"STARRED"}, []string(nil)
		if i%2 == 1 {
			add, del = nil, []string{"STARRED"}
		}
		require.NoError(t, f.mb.Modify(ids[0], add, del))
	}
	r := syncAll(t, f.c, first.cursor)
	require.Len(t, f.srv.Requests("history.list"), 2)
	require.Len(t, r.changes, 600)
	require.NotContains(t, r.changes[599].Labels, "STARRED", "the last change leaves the message unstarred")
	require.Equal(t, connector.Cursor("gmail1:h:"+strconv.FormatUint(f.mb.HistoryID(), 10)), r.cursor)
}

// History older than Gmail keeps (404) means a full sync: the first
// batch carries a ChangeResync, every message comes again once with the
// same ProviderID, and the next cursor works.
func TestHistoryExpiredResyncs(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	f.insert(t, "m", 9)
	first := syncAll(t, f.c, "")
	f.mb.ExpireHistory()
	r := syncAll(t, f.c, first.cursor)
	require.Equal(t, []connector.Change{{Kind: connector.ChangeResync, Reason: "history expired"}}, r.batches[0].Changes)
	var before, after []string
	for _, m := range first.messages {
		before = append(before, m.ProviderID)
	}
	for _, m := range r.messages {
		after = append(after, m.ProviderID)
	}
	require.ElementsMatch(t, before, after, "the same messages, with the same ids, each once")
	f.insert(t, "n", 1)
	next := syncAll(t, f.c, r.cursor)
	require.Equal(t, []string{"n 0"}, next.subjects())
	require.Empty(t, next.changes)
}

// A cursor this package did not write starts over with a ChangeResync.
func TestUnknownCursorResyncs(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	f.insert(t, "m", 2)
	r := syncAll(t, f.c, "mem1:1:2")
	require.Equal(t, connector.ChangeResync, r.batches[0].Changes[0].Kind)
	require.Len(t, r.messages, 2)
}

// A stored page token Gmail refuses (400) restarts the full sync.
func TestRefusedPageTokenRestarts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	f.insert(t, "m", 3)
	r := syncAll(t, f.c, connector.Cursor("gmail1:f:"+strconv.FormatUint(f.mb.HistoryID(), 10)+":bogus-token"))
	require.Equal(t, []connector.Change{{Kind: connector.ChangeResync, Reason: "page token no longer valid"}}, r.batches[0].Changes)
	require.Len(t, r.messages, 3)
}
