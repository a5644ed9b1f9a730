// Package connectortest checks that a connector.Connector keeps the
// contract of package connector, and gives tests an in-memory mailbox.
//
// # The conformance suite
//
// Every connector in this module (imap, gmail, outlook) runs [Run] against
// a real or faithfully faked server, and so should any connector written
// outside it:
//
//	func TestConformance(t *testing.T) {
//		connectortest.Run(t, func(t *testing.T) *connectortest.Env {
//			mb := newTestMailbox(t) // isolated per call
//			return &connectortest.Env{
//				Connector: mb.connector,
//				Deliver:   mb.append,
//			}
//		})
//	}
//
// The suite syncs from scratch and incrementally, interrupts a sync and
// resumes it, sends replies and checks their threading headers, and tests
// each optional capability the connector has. Env fields left nil skip
// the checks that need them.
//
// # Folders and actions
//
// A connector that lists folders (connector.FolderLister) or changes
// messages at the provider (connector.Modifier) runs [RunFolders] and
// [RunActions] too. The test prepares the mailbox and hands the suite a
// fixture that plants messages and reads them back without the connector
// under test, so that what the suite checks is the provider's state:
//
//	connectortest.RunFolders(t, c, connectortest.FolderExpectations{
//		Roles:   []connector.Role{connector.RoleArchive, connector.RoleTrash},
//		Present: []string{folder},
//		Counts:  map[string]connectortest.FolderCount{folder: {Total: 3, Unseen: 2}},
//	})
//	connectortest.RunActions(t, c, connectortest.ActionsFixture{
//		Plant:  appendToFolder, // returns the message's ProviderID and ProviderRef
//		State:  readWithRawClient,
//		Remove: expunge,
//		Folder: folder, MoveTo: other,
//		MoveToRole: connector.RoleArchive, RoleFolder: "Archive",
//	})
//
// # The in-memory mailbox
//
// [Mailbox] is a fake provider: deliver raw messages into it, delete
// them, change their flags, invalidate every cursor, and connect to it
// with [Mailbox.Connect]. Its connector implements every capability that
// makes sense in memory. Use it to test code that consumes connectors,
// such as a sync pipeline, without a network.
package connectortest
