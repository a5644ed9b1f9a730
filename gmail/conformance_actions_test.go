package gmail

import (
	"context"
	"slices"
	"testing"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// The folders conformance suite against the fake: the system labels'
// roles, a user label, the inbox's counts.
func TestConformanceFolders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	work := f.mb.CreateLabel("Work")
	f.insert(t, "in", 3)
	f.insert(t, "read", 1, "INBOX", work)
	connectortest.RunFolders(t, f.c, connectortest.FolderExpectations{
		Roles:   []connector.Role{connector.RoleInbox, connector.RoleSent, connector.RoleDrafts, connector.RoleTrash, connector.RoleJunk},
		Present: []string{work},
		Counts:  map[string]connectortest.FolderCount{"INBOX": {Total: 4, Unseen: 3}, work: {Total: 1}},
	})
}

// gmailView is where a message shows in Gmail, the "folders" of the
// actions suite: the trash if it has TRASH, else spam if SPAM, else the
// inbox if INBOX (a message with none of them is archived: in no
// folder). User labels are labels, not folders.
func gmailView(labels []string) []string {
	for _, l := range []string{"TRASH", "SPAM", "INBOX"} {
		if slices.Contains(labels, l) {
			return []string{l}
		}
	}
	return nil
}

// The actions conformance suite against the fake: messages are planted
// in the inbox (INBOX, UNREAD), moved to spam by id and to the trash by
// role; the suite's label is a user label; sent is a role Gmail cannot
// move to.
func TestConformanceActions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	label := f.mb.CreateLabel("Conformance")
	connectortest.RunActions(t, f.c, connectortest.ActionsFixture{
		Plant: func(_ context.Context, raw []byte) (connector.MessageRef, error) {
			id, err := f.mb.Insert(raw, "INBOX", "UNREAD")
			return connector.MessageRef{ProviderID: id}, err
		},
		State: func(_ context.Context, messageID string) (connectortest.MessageState, error) {
			id, ok := f.mb.IDByMessageID(messageID)
			if !ok {
				return connectortest.MessageState{}, nil
			}
			info, _ := f.mb.Message(id)
			return connectortest.MessageState{
				Exists: true, Seen: !slices.Contains(info.Labels, "UNREAD"), Flagged: slices.Contains(info.Labels, "STARRED"),
				Folders: gmailView(info.Labels), Labels: info.Labels,
			}, nil
		},
		Remove:      func(_ context.Context, messageID string) error { return f.mb.DeleteByMessageID(messageID) },
		Folder:      "INBOX",
		MoveTo:      "SPAM",
		MoveToRole:  connector.RoleTrash,
		RoleFolder:  "TRASH",
		MissingRole: connector.RoleSent,
		Label:       label,
	})
}
