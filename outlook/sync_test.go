package outlook

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// Delta pages follow @odata.nextLink to the @odata.deltaLink, one batch
// per page of Prefer: odata.maxpagesize=BatchSize, and ask only for the
// selected properties.
func TestSyncPagesByMaxPageSize(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, func(c *Config) { c.BatchSize = 3 })
	f.insert(t, "", "paged", 10)
	r := syncAll(t, f.c, "")
	require.Len(t, r.messages, 10)
	require.Len(t, r.batches, 4, "10 messages in pages of 3")
	for _, b := range r.batches {
		require.LessOrEqual(t, len(b.Messages), 3)
	}
	reqs := f.srv.Requests("delta")
	require.Len(t, reqs, 4)
	require.Contains(t, reqs[0].Header.Values("Prefer"), "odata.maxpagesize=3")
	require.Contains(t, reqs[0].Query.Get("$select"), "internetMessageId")
	for _, rq := range reqs[1:] {
		require.NotEmpty(t, rq.Query.Get("$skiptoken"), "later pages follow the nextLink")
	}
	links, ok := DeltaLinks(r.cursor)
	require.True(t, ok)
	require.Contains(t, links["inbox"], "$deltatoken=", "the cursor keeps the deltaLink")
	require.Equal(t, 10, f.srv.Calls("messages.value"), "each message's MIME once")
}

// A 410 syncStateNotFound on a stored delta link starts the folder over:
// the first batch of the new round carries a ChangeResync for it, and
// every message comes again.
func TestSyncResyncsOn410(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	f.insert(t, "", "before", 5)
	first := syncAll(t, f.c, "")
	f.mb.ExpireDeltaTokens()
	f.insert(t, "", "after", 1)
	again := syncAll(t, f.c, first.cursor)
	require.Equal(t, connector.ChangeResync, again.batches[0].Changes[0].Kind)
	require.Equal(t, "inbox", again.batches[0].Changes[0].Folder)
	require.Len(t, again.messages, 6)
	require.Empty(t, syncAll(t, f.c, again.cursor).messages)
}

// The same 410 arriving as a fault (the code alone decides, whatever
// the status) is handled the same way; a 410 on a first request is an
// error, not a loop.
func TestSyncStateNotFoundCode(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	f.insert(t, "", "m", 2)
	first := syncAll(t, f.c, "")
	f.srv.InjectFault(outlooktest.Fault{Op: "delta", Status: 400, Code: "syncStateNotFound"})
	again := syncAll(t, f.c, first.cursor)
	require.Len(t, again.kinds(connector.ChangeResync), 1)
	require.Len(t, again.messages, 2)

	f.srv.InjectFault(outlooktest.Fault{Op: "delta", Status: 410, Times: -1})
	_, err := trySync(f.c, "")
	require.ErrorIs(t, err, connector.ErrPermanent)
}

// "@removed" entries are deletions by provider id, and a message that
// changed is reported again (callers upsert).
func TestSyncRemovedAndChanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	ids := f.insert(t, "", "m", 3)
	first := syncAll(t, f.c, "")
	require.NoError(t, f.mb.Delete(ids[0]))
	require.NoError(t, f.mb.SetRead(ids[1], true))
	r := syncAll(t, f.c, first.cursor)
	del := r.kinds(connector.ChangeDeleted)
	require.Len(t, del, 1)
	require.Equal(t, ids[0], del[0].ProviderID)
	require.Len(t, r.messages, 1)
	require.Equal(t, ids[1], r.messages[0].ProviderID)
	require.True(t, r.messages[0].HasFlag(connector.FlagSeen))
}

// With Prefer: IdType="ImmutableId" a message moved between synced
// folders keeps its ProviderID: removed from one, the same id in the
// other (so the held removal is dropped: no ChangeDeleted). The fake hands out folder-dependent ids without the header, so
// this fails if the header is not sent.
func TestSyncImmutableIDsAcrossMove(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, func(c *Config) { c.Folders = []string{"inbox", "archive"} })
	ids := f.insert(t, "", "m", 2)
	first := syncAll(t, f.c, "")
	require.Equal(t, ids[0], first.messages[0].ProviderID)
	require.NoError(t, f.mb.Move(ids[0], outlooktest.Archive))
	r := syncAll(t, f.c, first.cursor)
	require.Empty(t, r.kinds(connector.ChangeDeleted))
	require.Len(t, r.messages, 1)
	require.Equal(t, ids[0], r.messages[0].ProviderID)
	require.Equal(t, []string{"archive"}, r.messages[0].Folders)
	for _, rq := range f.srv.Requests("") {
		require.Contains(t, strings.Join(rq.Header.Values("Prefer"), ","), `IdType="ImmutableId"`, rq.Op)
	}
}

// Messages carry Graph's conversationId, receivedDateTime, read state
// and folder besides what their MIME says.
func TestSyncNormalises(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	id, err := f.mb.Insert(rawMessage("root@example.org", "Hello", "X-Extra: 1"), "")
	require.NoError(t, err)
	_, err = f.mb.Insert(rawMessage("reply@example.org", "Re: Hello", "In-Reply-To: <root@example.org>", "References: <root@example.org>"), "")
	require.NoError(t, err)
	require.NoError(t, f.mb.SetRead(id, true))
	r := syncAll(t, f.c, "")
	require.Len(t, r.messages, 2)
	a, b := r.messages[0], r.messages[1]
	require.Equal(t, "root@example.org", a.MessageID)
	require.NotEmpty(t, a.ThreadID)
	require.Equal(t, a.ThreadID, b.ThreadID, "a reply is in its root's conversation")
	require.False(t, a.ReceivedAt.IsZero())
	require.Equal(t, []string{connector.FlagSeen}, a.Flags)
	require.Empty(t, b.Flags)
	require.Equal(t, []string{"inbox"}, a.Folders)
}

// A cursor that is not this package's starts the whole mailbox over.
func TestSyncUnreadableCursor(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	f.insert(t, "", "m", 2)
	r := syncAll(t, f.c, "gmail1:h:12")
	require.Equal(t, connector.Change{Kind: connector.ChangeResync, Reason: "unreadable cursor"}, r.batches[0].Changes[0])
	require.Len(t, r.messages, 2)
}

// A message deleted between the delta page and its $value fetch is left
// out; the next round reports it removed.
func TestSyncSkipsMessageGoneBeforeFetch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	f.insert(t, "", "m", 2)
	f.srv.InjectFault(outlooktest.Fault{Op: "messages.value", Status: 404})
	r := syncAll(t, f.c, "")
	require.Len(t, r.messages, 1)
}

// A failing handler stops the sync with its error; a cancelled context
// stops it before any request.
func TestSyncStops(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := f.c.Sync(ctx, "", func(context.Context, *connector.Batch) error { return nil })
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, f.srv.Calls("delta"))
}
