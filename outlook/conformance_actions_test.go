package outlook

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// The folders conformance suite against the fake: the six role folders,
// a nested user folder, counts.
func TestConformanceFolders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	clients, err := f.mb.CreateFolder("Clients", "", false)
	require.NoError(t, err)
	acme, err := f.mb.CreateFolder("Acme", clients, false)
	require.NoError(t, err)
	f.insert(t, "inbox", "in", 3)
	f.insert(t, acme, "acme", 1)
	connectortest.RunFolders(t, f.c, connectortest.FolderExpectations{
		Roles:   connector.Roles,
		Present: []string{clients, acme},
		Counts:  map[string]connectortest.FolderCount{"inbox": {Total: 3, Unseen: 3}, acme: {Total: 1, Unseen: 1}},
	})
}

// The actions conformance suite against the fake: messages are planted
// in the inbox, moved to a user folder by id and to junk by role; the
// mailbox has no archive folder.
func TestConformanceActions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	require.NoError(t, f.mb.RemoveFolder("archive"))
	clients, err := f.mb.CreateFolder("Clients", "", false)
	require.NoError(t, err)
	connectortest.RunActions(t, f.c, connectortest.ActionsFixture{
		Plant: func(_ context.Context, raw []byte) (connector.MessageRef, error) {
			id, err := f.mb.Insert(raw, "inbox")
			return connector.MessageRef{ProviderID: id}, err
		},
		State: func(_ context.Context, messageID string) (connectortest.MessageState, error) {
			info, ok := f.mb.MessageByMessageID(messageID)
			if !ok {
				return connectortest.MessageState{}, nil
			}
			return connectortest.MessageState{Exists: true, Seen: info.Read, Flagged: info.Flagged, Folders: []string{info.Folder}}, nil
		},
		Remove:      func(_ context.Context, messageID string) error { return f.mb.DeleteByMessageID(messageID) },
		Folder:      "inbox",
		MoveTo:      clients,
		MoveToRole:  connector.RoleJunk,
		RoleFolder:  "junkemail",
		MissingRole: connector.RoleArchive,
	})
}
