package outlook

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

func ptr[T any](v T) *T { return &v }

func refs(ids ...string) []connector.MessageRef {
	out := make([]connector.MessageRef, len(ids))
	for i, id := range ids {
		out[i] = connector.MessageRef{ProviderID: id}
	}
	return out
}

// Folders lists the top level and children, the role folders by
// well-known name with their roles, others by id under their parent,
// with counts; well-known ids are resolved once per connector.
func TestFolders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	clients, err := f.mb.CreateFolder("Clients", "", false)
	require.NoError(t, err)
	acme, err := f.mb.CreateFolder("Acme", clients, false)
	require.NoError(t, err)
	sub, err := f.mb.CreateFolder("Invoices", "inbox", false)
	require.NoError(t, err)
	_, err = f.mb.CreateFolder("Hidden", "", true)
	require.NoError(t, err)
	f.insert(t, "inbox", "in", 3)
	f.insert(t, acme, "acme", 2)

	fs, err := f.c.Folders(context.Background())
	require.NoError(t, err)
	require.Equal(t, []connector.Folder{
		{ID: "inbox", Name: "Inbox", Role: connector.RoleInbox, System: true, Selectable: true, Total: 3, Unseen: 3, Counted: true},
		{ID: sub, Name: "Invoices", Parent: "inbox", Selectable: true, Counted: true},
		{ID: "sentitems", Name: "Sent Items", Role: connector.RoleSent, System: true, Selectable: true, Counted: true},
		{ID: "drafts", Name: "Drafts", Role: connector.RoleDrafts, System: true, Selectable: true, Counted: true},
		{ID: "deleteditems", Name: "Deleted Items", Role: connector.RoleTrash, System: true, Selectable: true, Counted: true},
		{ID: "junkemail", Name: "Junk Email", Role: connector.RoleJunk, System: true, Selectable: true, Counted: true},
		{ID: "archive", Name: "Archive", Role: connector.RoleArchive, System: true, Selectable: true, Counted: true},
		{ID: clients, Name: "Clients", Selectable: true, Counted: true},
		{ID: acme, Name: "Acme", Parent: clients, Selectable: true, Total: 2, Unseen: 2, Counted: true},
	}, fs)
	require.Equal(t, 6, f.srv.Calls("mailFolders.get"), "one lookup per well-known name")
	_, err = f.c.Folders(context.Background())
	require.NoError(t, err)
	require.Equal(t, 6, f.srv.Calls("mailFolders.get"), "cached")
	require.Equal(t, 2, f.srv.Calls("mailFolders.childFolders")/2, "inbox and Clients, each listing twice")
}

// A mailbox without an archive folder has no folder with that role, and
// a move to it is refused naming "role" before any message is touched.
func TestNoArchive(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	require.NoError(t, f.mb.RemoveFolder("archive"))
	fs, err := f.c.Folders(context.Background())
	require.NoError(t, err)
	_, ok := connector.FolderByRole(fs, connector.RoleArchive)
	require.False(t, ok)
	id := f.insert(t, "inbox", "m", 1)[0]
	_, err = f.c.Modify(context.Background(), refs(id), connector.Action{MoveToRole: connector.RoleArchive})
	var v *connector.ValidationError
	require.ErrorAs(t, err, &v)
	require.Equal(t, "role", v.Fields[0].Field)
	require.Zero(t, f.srv.Calls("messages.move"))
}

// Seen and flagged are one PATCH per message with isRead and flag; the
// result has the state Graph answered; the next delta round agrees.
func TestModifySeenFlagged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	ids := f.insert(t, "inbox", "m", 3)
	first := syncAll(t, f.c, "")
	require.Len(t, first.messages, 3)

	res, err := f.c.Modify(context.Background(), refs(ids...), connector.Action{Seen: ptr(true), Flagged: ptr(true)})
	require.NoError(t, err)
	for i, r := range res {
		require.NoError(t, r.Err)
		require.Equal(t, ids[i], r.ProviderID)
		require.True(t, r.Known)
		require.Equal(t, []string{connector.FlagSeen, connector.FlagFlagged}, r.Flags)
		require.Equal(t, []string{"inbox"}, r.Folders)
		info, _ := f.mb.Message(ids[i])
		require.True(t, info.Read && info.Flagged)
	}
	require.Equal(t, 3, f.srv.Calls("messages.update"))
	for _, r := range f.srv.Requests("messages.update") {
		require.Equal(t, http.MethodPatch, r.Method)
		require.Contains(t, r.Header.Values("Prefer"), `IdType="ImmutableId"`)
	}

	second := syncAll(t, f.c, first.cursor)
	require.Len(t, second.messages, 3)
	for _, m := range second.messages {
		require.Equal(t, []string{connector.FlagSeen, connector.FlagFlagged}, m.Flags)
	}

	res, err = f.c.Modify(context.Background(), refs(ids[0]), connector.Action{Seen: ptr(false), Flagged: ptr(false)})
	require.NoError(t, err)
	require.Empty(t, res[0].Flags)
	info, _ := f.mb.Message(ids[0])
	require.False(t, info.Read || info.Flagged)
}

// A move is POST /move with the role's well-known name or the folder's
// id; the immutable id stays; the folders' delta rounds report it gone
// from one and new in the other. Seen and a move together: PATCH first.
func TestModifyMove(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, func(c *Config) { c.Folders = []string{"inbox", "archive"} })
	clients, err := f.mb.CreateFolder("Clients", "", false)
	require.NoError(t, err)
	ids := f.insert(t, "inbox", "m", 3)
	first := syncAll(t, f.c, "")

	res, err := f.c.Modify(context.Background(), refs(ids[0]), connector.Action{MoveToRole: connector.RoleArchive, Seen: ptr(true)})
	require.NoError(t, err)
	require.Equal(t, connector.ActionResult{Ref: refs(ids[0])[0], ProviderID: ids[0], Flags: []string{connector.FlagSeen}, Folders: []string{"archive"}, Known: true}, res[0])
	info, _ := f.mb.Message(ids[0])
	require.Equal(t, outlooktest.MessageInfo{ID: ids[0], Folder: "archive", MessageID: "m-0@example.org", Read: true}, info)

	res, err = f.c.Modify(context.Background(), refs(ids[1]), connector.Action{MoveTo: clients})
	require.NoError(t, err)
	require.Equal(t, []string{clients}, res[0].Folders)
	res, err = f.c.Modify(context.Background(), refs(ids[2]), connector.Action{MoveTo: "JunkEmail"})
	require.NoError(t, err)
	require.Equal(t, []string{"junkemail"}, res[0].Folders)
	info, _ = f.mb.Message(ids[2])
	require.Equal(t, "junkemail", info.Folder)

	moves := f.srv.Requests("messages.move")
	require.Len(t, moves, 3)
	second := syncAll(t, f.c, first.cursor)
	// Gone from the inbox to folders not synced; the move to the archive,
	// reported there, is no deletion.
	require.ElementsMatch(t, []string{ids[1], ids[2]}, providerIDs(second.kinds(connector.ChangeDeleted)))
	require.Len(t, second.messages, 1, "new in the archive")
	require.Equal(t, ids[0], second.messages[0].ProviderID, "same id")
	require.Equal(t, []string{"archive"}, second.messages[0].Folders)
}

// A destination that does not exist is refused naming "folder", before
// any message is touched.
func TestModifyUnknownFolder(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	id := f.insert(t, "inbox", "m", 1)[0]
	for _, dest := range []string{"AAMkAGnothere", "nowhere"} {
		_, err := f.c.Modify(context.Background(), refs(id), connector.Action{MoveTo: dest, Seen: ptr(true)})
		var v *connector.ValidationError
		require.ErrorAs(t, err, &v, dest)
		require.Equal(t, "folder", v.Fields[0].Field)
	}
	_, err := f.c.Modify(context.Background(), refs(id), connector.Action{AddLabels: []string{"x"}})
	var v *connector.ValidationError
	require.ErrorAs(t, err, &v)
	require.Equal(t, "add_labels", v.Fields[0].Field, "Outlook has no labels")
	require.Zero(t, f.srv.Calls("messages.update")+f.srv.Calls("messages.move"))
	info, _ := f.mb.Message(id)
	require.False(t, info.Read)
}

// A message Graph no longer has is ErrNotFound in its result; the others
// are changed.
func TestModifyNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	ids := f.insert(t, "inbox", "m", 2)
	require.NoError(t, f.mb.Delete(ids[0]))
	res, err := f.c.Modify(context.Background(), refs(ids...), connector.Action{MoveToRole: connector.RoleTrash})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, connector.ErrNotFound)
	require.False(t, res[0].Known)
	require.NoError(t, res[1].Err)
	info, _ := f.mb.Message(ids[1])
	require.Equal(t, "deleteditems", info.Folder)
}

// A throttled PATCH (429 Retry-After) is retried by the client's retry
// handler after the delay.
func TestModifyThrottled(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, func(c *Config) { c.MaxRetries = 2 })
	id := f.insert(t, "inbox", "m", 1)[0]
	f.srv.InjectFault(outlooktest.Fault{Op: "messages.update", Status: 429, RetryAfter: time.Second})
	start := time.Now()
	res, err := f.c.Modify(context.Background(), refs(id), connector.Action{Seen: ptr(true)})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.GreaterOrEqual(t, time.Since(start), time.Second)
	require.Equal(t, 2, f.srv.Calls("messages.update"))
	info, _ := f.mb.Message(id)
	require.True(t, info.Read)
}

// The PATCH body the SDK sends is exactly {isRead} and {flag:{flagStatus}}
// with their @odata.type, which the fake (refusing anything else)
// accepts: checked on the wire.
func TestModifyWireBody(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies []string
	f := newFixture(t, outlooktest.Options{}, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPatch || strings.HasSuffix(r.URL.Path, "/move") {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies = append(bodies, string(b))
				mu.Unlock()
				r.Body = io.NopCloser(strings.NewReader(string(b)))
			}
			return http.DefaultTransport.RoundTrip(r)
		})}
	})
	id := f.insert(t, "inbox", "m", 1)[0]
	_, err := f.c.Modify(context.Background(), refs(id), connector.Action{Seen: ptr(true), Flagged: ptr(false), MoveToRole: connector.RoleJunk})
	require.NoError(t, err)
	require.Len(t, bodies, 2)
	require.JSONEq(t, `{"@odata.type":"#microsoft.graph.message","isRead":true,"flag":{"flagStatus":"notFlagged"}}`, bodies[0])
	require.JSONEq(t, `{"DestinationId":"junkemail"}`, bodies[1], "the SDK names the parameter as Graph's metadata does")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
