package gmail

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

func ptr[T any](v T) *T { return &v }

func refs(ids ...string) []connector.MessageRef {
	out := make([]connector.MessageRef, len(ids))
	for i, id := range ids {
		out[i] = connector.MessageRef{ProviderID: id}
	}
	return out
}

func (f *fixture) labels(t *testing.T, id string) []string {
	t.Helper()
	info, ok := f.mb.Message(id)
	require.True(t, ok, id)
	return info.Labels
}

// Folders lists the labels with the system labels' roles, counts from
// labels.get, user labels' parents by name, and no archive folder.
func TestFolders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	work := f.mb.CreateLabel("Work")
	sub := f.mb.CreateLabel("Work/Tickets")
	f.insert(t, "a", 2, "INBOX", "UNREAD", work)
	f.insert(t, "b", 1, "INBOX", sub)
	fs, err := f.c.Folders(context.Background())
	require.NoError(t, err)
	byID := map[string]connector.Folder{}
	for _, fl := range fs {
		byID[fl.ID] = fl
	}
	require.Len(t, fs, 16, "14 system labels and 2 user labels")
	for id, role := range map[string]connector.Role{"INBOX": "inbox", "SENT": "sent", "DRAFT": "drafts", "TRASH": "trash", "SPAM": "junk", "STARRED": ""} {
		require.Equal(t, role, byID[id].Role, id)
		require.True(t, byID[id].System, id)
	}
	_, hasArchive := connector.FolderByRole(fs, connector.RoleArchive)
	require.False(t, hasArchive, "Gmail has no archive label")
	require.Equal(t, connector.Folder{ID: "INBOX", Name: "INBOX", Role: connector.RoleInbox, System: true, Selectable: true, Total: 3, Unseen: 2, Counted: true}, byID["INBOX"])
	require.Equal(t, connector.Folder{ID: sub, Name: "Work/Tickets", Parent: work, Selectable: true, Total: 1, Counted: true}, byID[sub])
	require.Equal(t, int64(2), byID[work].Total)
	require.Equal(t, 1, f.srv.MethodUnits(testUser, "labels.list"))
	require.Equal(t, 16, f.srv.MethodUnits(testUser, "labels.get"))
}

// Seen, flagged and labels are one messages.modify per message, whose
// answer gives the labels after it; the next sync's history agrees.
func TestModifySeenFlaggedLabels(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	work := f.mb.CreateLabel("Work")
	ids := f.insert(t, "m", 2)
	first := syncAll(t, f.c, "")

	res, err := f.c.Modify(context.Background(), refs(ids...), connector.Action{Seen: ptr(true), Flagged: ptr(true), AddLabels: []string{work}})
	require.NoError(t, err)
	require.Len(t, res, 2)
	for i, r := range res {
		require.NoError(t, r.Err)
		require.Equal(t, ids[i], r.ProviderID)
		require.True(t, r.Known)
		require.Equal(t, []string{"INBOX", work, "STARRED"}, r.Labels)
		require.Equal(t, []string{connector.FlagSeen, connector.FlagFlagged}, r.Flags)
		require.Equal(t, r.Labels, f.labels(t, ids[i]))
	}
	require.Equal(t, 2, f.srv.Calls("messages.modify"))
	require.Equal(t, 10, f.srv.MethodUnits(testUser, "messages.modify"))
	var paths []string
	for _, r := range f.srv.Requests("messages.modify") {
		paths = append(paths, r.Path)
	}
	require.ElementsMatch(t, []string{"/gmail/v1/users/me/messages/" + ids[0] + "/modify", "/gmail/v1/users/me/messages/" + ids[1] + "/modify"}, paths)

	second := syncAll(t, f.c, first.cursor)
	last := map[string][]string{}
	for _, ch := range second.changes {
		require.Equal(t, connector.ChangeFlags, ch.Kind)
		last[ch.ProviderID] = ch.Labels
	}
	require.Equal(t, map[string][]string{ids[0]: {"INBOX", work, "STARRED"}, ids[1]: {"INBOX", work, "STARRED"}}, last)

	res, err = f.c.Modify(context.Background(), refs(ids[0]), connector.Action{Seen: ptr(false), Flagged: ptr(false), RemoveLabels: []string{work}})
	require.NoError(t, err)
	require.Equal(t, []string{"INBOX", "UNREAD"}, res[0].Labels)
	require.Empty(t, res[0].Flags)
}

// A move is a label change: into a location (INBOX, SPAM) or a user
// label out of the others, to the archive out of all, to the trash
// with messages.trash (TRASH added, the rest kept).
func TestModifyMoves(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		from   []string
		action connector.Action
		want   []string
		method string
	}{
		{"archive", []string{"INBOX", "UNREAD"}, connector.Action{MoveToRole: connector.RoleArchive}, []string{"UNREAD"}, "messages.modify"},
		{"trash", []string{"INBOX"}, connector.Action{MoveToRole: connector.RoleTrash}, []string{"INBOX", "TRASH"}, "messages.trash"},
		{"trash and read", []string{"INBOX", "UNREAD"}, connector.Action{MoveToRole: connector.RoleTrash, Seen: ptr(true)}, []string{"INBOX", "TRASH"}, "messages.modify"},
		{"junk", []string{"INBOX"}, connector.Action{MoveToRole: connector.RoleJunk}, []string{"SPAM"}, "messages.modify"},
		{"inbox from trash", []string{"TRASH", "Label_1"}, connector.Action{MoveToRole: connector.RoleInbox}, []string{"INBOX", "Label_1"}, "messages.modify"},
		{"inbox by id", []string{"SPAM"}, connector.Action{MoveTo: "INBOX"}, []string{"INBOX"}, "messages.modify"},
		{"user label", []string{"INBOX", "STARRED"}, connector.Action{MoveTo: "Label_1"}, []string{"Label_1", "STARRED"}, "messages.modify"},
		{"move wins over add_labels", []string{"INBOX"}, connector.Action{MoveToRole: connector.RoleArchive, AddLabels: []string{"INBOX", "Label_1"}}, []string{"Label_1"}, "messages.modify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, gmailtest.Options{}, nil)
			f.mb.CreateLabel("Customers")
			id := f.insert(t, "m", 1, tc.from...)[0]
			res, err := f.c.Modify(context.Background(), refs(id), tc.action)
			require.NoError(t, err)
			require.NoError(t, res[0].Err)
			require.Equal(t, tc.want, res[0].Labels)
			require.Equal(t, tc.want, f.labels(t, id))
			require.Equal(t, 1, f.srv.Calls(tc.method))
			require.Equal(t, id, res[0].ProviderID, "a Gmail id never changes")
		})
	}
}

// What Gmail cannot do is refused before any call, naming the field.
func TestModifyRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	id := f.insert(t, "m", 1)[0]
	many := make([]string, 101)
	for i := range many {
		many[i] = "Label_" + string(rune('a'+i%26)) + itoa(uint64(i))
	}
	for _, tc := range []struct {
		action connector.Action
		refs   []connector.MessageRef
		field  string
	}{
		{connector.Action{MoveToRole: connector.RoleSent}, refs(id), "role"},
		{connector.Action{MoveToRole: connector.RoleDrafts}, refs(id), "role"},
		{connector.Action{MoveTo: "SENT"}, refs(id), "folder"},
		{connector.Action{MoveTo: "UNREAD"}, refs(id), "folder"},
		{connector.Action{AddLabels: many}, refs(id), "add_labels"},
		{connector.Action{Seen: ptr(true)}, refs(""), "messages[0].provider_id"},
		{connector.Action{}, refs(id), "action"},
		{connector.Action{Seen: ptr(true)}, make([]connector.MessageRef, MaxModifyBatch+1), "messages"},
	} {
		_, err := f.c.Modify(context.Background(), tc.refs, tc.action)
		var v *connector.ValidationError
		require.ErrorAs(t, err, &v, "%+v", tc.action)
		require.True(t, errors.Is(err, connector.ErrPermanent))
		var fields []string
		for _, fe := range v.Fields {
			fields = append(fields, fe.Field)
		}
		require.Contains(t, fields, tc.field, "%+v", tc.action)
	}
	require.Zero(t, f.srv.Units(testUser), "no call made")
	require.Equal(t, []string{"INBOX", "UNREAD"}, f.labels(t, id))
}

// A message Gmail no longer has is ErrNotFound in its result; the others
// are changed. A label the mailbox lacks is refused before any change.
func TestModifyNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	ids := f.insert(t, "m", 2)
	require.NoError(t, f.mb.Delete(ids[1]))
	res, err := f.c.Modify(context.Background(), refs(ids...), connector.Action{Flagged: ptr(true)})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.ErrorIs(t, res[1].Err, connector.ErrNotFound)
	require.False(t, res[1].Known)
	require.Equal(t, connector.MessageRef{ProviderID: ids[1]}, res[1].Ref)
	require.Contains(t, f.labels(t, ids[0]), "STARRED")

	for _, a := range []connector.Action{{AddLabels: []string{"STARRED", "Label_404"}}, {MoveTo: "Label_404", Seen: ptr(true)}} {
		before := f.srv.Calls("messages.modify")
		_, err = f.c.Modify(context.Background(), refs(ids[0]), a)
		var v *connector.ValidationError
		require.ErrorAs(t, err, &v)
		require.Contains(t, []string{"add_labels[1]", "folder"}, v.Fields[0].Field)
		require.Equal(t, before, f.srv.Calls("messages.modify"), "no message touched")
	}
	require.Equal(t, []string{"INBOX", "STARRED", "UNREAD"}, f.labels(t, ids[0]))
}

// More than 10 messages take one batchModify (50 units); its results
// are not Known, and the next sync reports the labels from the history.
// When the batch is refused because a message is gone, each message is
// modified alone and the missing one gets ErrNotFound.
func TestModifyBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.BatchSize = 100 })
	ids := f.insert(t, "m", 12)
	first := syncAll(t, f.c, "")
	before := f.srv.Units(testUser)
	res, err := f.c.Modify(context.Background(), refs(ids...), connector.Action{MoveToRole: connector.RoleArchive})
	require.NoError(t, err)
	require.Len(t, res, 12)
	for i, r := range res {
		require.NoError(t, r.Err)
		require.Equal(t, ids[i], r.ProviderID)
		require.False(t, r.Known, "batchModify tells nothing per message")
		require.Equal(t, []string{"UNREAD"}, f.labels(t, ids[i]))
	}
	require.Equal(t, 1, f.srv.Calls("messages.batchModify"))
	require.Equal(t, 50, f.srv.Units(testUser)-before)
	require.Zero(t, f.srv.Calls("messages.modify"))
	second := syncAll(t, f.c, first.cursor)
	left := map[string]bool{}
	for _, ch := range second.changes {
		if ch.Kind == connector.ChangeFlags && slices.Equal(ch.Labels, []string{"UNREAD"}) {
			left[ch.ProviderID] = true
		}
	}
	require.Len(t, left, 12, "each archived message reported with its labels after")

	require.NoError(t, f.mb.Delete(ids[3]))
	res, err = f.c.Modify(context.Background(), refs(ids...), connector.Action{AddLabels: []string{"STARRED"}})
	require.NoError(t, err)
	require.Equal(t, 2, f.srv.Calls("messages.batchModify"))
	require.Equal(t, 12, f.srv.Calls("messages.modify"), "the fallback: one call per message")
	for i, r := range res {
		if i == 3 {
			require.ErrorIs(t, r.Err, connector.ErrNotFound)
			continue
		}
		require.NoError(t, r.Err)
		require.True(t, r.Known)
		require.Equal(t, []string{"STARRED", "UNREAD"}, r.Labels)
	}
}
