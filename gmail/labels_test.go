package gmail

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// A synced message carries Gmail's id, thread id, labels, the flags the
// labels mean, and internalDate as ReceivedAt.
func TestMessageFields(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	id, err := f.mb.Insert(rawMessage("a@example.org", "Hello"), "INBOX", "STARRED", "Label_7")
	require.NoError(t, err)
	info, _ := f.mb.Message(id)
	r := syncAll(t, f.c, "")
	require.Len(t, r.messages, 1)
	m := r.messages[0]
	require.Equal(t, id, m.ProviderID)
	require.Equal(t, info.ThreadID, m.ThreadID)
	require.Equal(t, []string{"INBOX", "Label_7", "STARRED"}, m.Labels)
	require.Equal(t, []string{connector.FlagSeen, connector.FlagFlagged}, m.Flags, "no UNREAD: seen; STARRED: flagged")
	require.True(t, info.InternalDate.Equal(m.ReceivedAt))
	require.Equal(t, time.UTC, m.ReceivedAt.Location())
	require.Equal(t, "a@example.org", m.MessageID)
	require.Equal(t, "Hello", m.Subject)
}

// Config.Label decides what is synced, in full syncs and in history: a
// message outside the label is not reported, one that gains it is, and
// label changes of a message in scope (or leaving it) are ChangeFlags
// with the labels after the change.
func TestLabelScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	inbox := f.insert(t, "inbox", 1)[0]
	archived := f.insert(t, "archived", 1, "Label_1")[0]
	first := syncAll(t, f.c, "")
	require.Equal(t, []string{"inbox 0"}, first.subjects())

	other := f.insert(t, "other", 1, "SENT")[0]
	require.NoError(t, f.mb.Modify(other, []string{"STARRED"}, nil))  // not ours
	require.NoError(t, f.mb.Modify(archived, []string{"INBOX"}, nil)) // enters the inbox
	require.NoError(t, f.mb.Modify(inbox, nil, []string{"UNREAD"}))   // read
	second := syncAll(t, f.c, first.cursor)
	require.Equal(t, []string{"archived 0"}, second.subjects())
	require.Equal(t, []connector.Change{{
		Kind: connector.ChangeFlags, ProviderID: inbox, Labels: []string{"INBOX"}, Flags: []string{connector.FlagSeen},
	}}, second.changes)

	require.NoError(t, f.mb.Modify(inbox, []string{"TRASH"}, []string{"INBOX"})) // leaves the scope
	third := syncAll(t, f.c, second.cursor)
	require.Empty(t, third.messages)
	require.Equal(t, []connector.Change{
		{Kind: connector.ChangeFlags, ProviderID: inbox, Labels: []string{"INBOX", "TRASH"}, Flags: []string{connector.FlagSeen}},
		{Kind: connector.ChangeFlags, ProviderID: inbox, Labels: []string{"TRASH"}, Flags: []string{connector.FlagSeen}},
	}, third.changes, "each label change with the labels after it, in order")
}

// AllMail syncs every message but drafts, spam and trash; a deletion is
// a ChangeDeleted by Gmail id.
func TestAllMail(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.Label = AllMail })
	f.insert(t, "inbox", 1)
	f.insert(t, "sent", 1, "SENT")
	f.insert(t, "draft", 1, "DRAFT")
	f.insert(t, "spam", 1, "SPAM")
	f.insert(t, "trash", 1, "TRASH")
	first := syncAll(t, f.c, "")
	require.ElementsMatch(t, []string{"inbox 0", "sent 0"}, first.subjects())
	require.Empty(t, f.srv.Requests("messages.list")[0].Query["labelIds"])

	f.insert(t, "draft2", 1, "DRAFT")
	gone := f.insert(t, "archived", 1, "Label_1")[0]
	require.NoError(t, f.mb.Delete(gone))
	second := syncAll(t, f.c, first.cursor)
	require.Empty(t, second.messages, "a draft, and a message deleted before it was fetched")
	require.Equal(t, []connector.Change{{Kind: connector.ChangeDeleted, ProviderID: gone}}, second.changes)
}

// IncludeSpamTrash syncs spam and trash too.
func TestIncludeSpamTrash(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.Label = AllMail; c.IncludeSpamTrash = true })
	f.insert(t, "spam", 1, "SPAM")
	r := syncAll(t, f.c, "")
	require.Equal(t, []string{"spam 0"}, r.subjects())
	require.Equal(t, "true", f.srv.Requests("messages.list")[0].Query.Get("includeSpamTrash"))
}

// Config.Query narrows the full sync's listing.
func TestQuery(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.Query = "subject:wanted" })
	f.insert(t, "wanted", 2)
	f.insert(t, "other", 2)
	r := syncAll(t, f.c, "")
	require.ElementsMatch(t, []string{"wanted 0", "wanted 1"}, r.subjects())
	require.Equal(t, "subject:wanted", f.srv.Requests("messages.list")[0].Query.Get("q"))
}
