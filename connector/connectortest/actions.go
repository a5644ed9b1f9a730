package connectortest

import (
	"context"
	"testing"
	"time"

	"github.com/ucsp/integration/connector"
)

// ActionsFixture is a mailbox prepared for RunActions, and the means to
// plant messages in it and to read them back without the connector under
// test (a raw IMAP client, a fake's own store).
type ActionsFixture struct {
	// Plant puts raw (an RFC 5322 message with a Message-ID no other
	// message has) into Folder, unseen and unflagged, and returns the
	// message's ProviderID and ProviderRef as a sync of the connector
	// would report them. Required.
	Plant func(ctx context.Context, raw []byte) (connector.MessageRef, error)
	// State reads the message with messageID (without brackets) at the
	// provider, not through the connector under test. A message the
	// provider no longer has is a MessageState with Exists false, not an
	// error. Required.
	State func(ctx context.Context, messageID string) (MessageState, error)
	// Remove deletes the message with messageID behind the connector's
	// back (an expunge, a permanent delete). Nil skips the checks of
	// messages the provider no longer has.
	Remove func(ctx context.Context, messageID string) error

	// Folder is the Folder.ID of the folder Plant puts messages in.
	// Required when the connector can move messages.
	Folder string
	// MoveTo is the Folder.ID of another selectable folder, which the
	// suite moves messages to and back from Folder. Required when the
	// connector can move messages.
	MoveTo string
	// MoveToRole is a role the mailbox has a folder for, other than
	// Folder's, and RoleFolder that folder's ID: the suite moves a
	// message there by role and back. "" skips the check.
	MoveToRole connector.Role
	RoleFolder string
	// MissingRole is a valid role the mailbox has no folder for; a move
	// to it must be refused naming "role". "" skips the check.
	MissingRole connector.Role
	// Label is the ID of a label the suite adds and removes, when the
	// connector supports labels. Required then.
	Label string

	// Timeout bounds each check; 0 means one minute.
	Timeout time.Duration
}

// MessageState is a message as the provider has it, read by
// ActionsFixture.State.
type MessageState struct {
	// Exists is false when the provider no longer has the message.
	Exists bool
	// Seen and Flagged: the message's \Seen and \Flagged state (Gmail:
	// not UNREAD, STARRED; Graph: isRead, flagged).
	Seen, Flagged bool
	// Folders are the Folder.IDs of the folders holding the message
	// (for Gmail, as the fixture defines its folders: labels).
	Folders []string
	// Labels are the message's label IDs, for connectors with labels.
	Labels []string
}

// RunActions checks m.Modify against the provider behind f: marking seen
// and unseen, flagging and unflagging, labels when ActionSupport.Labels,
// moves to a folder and to a role and back (with the ProviderID and
// ProviderRef a move returns), batches and ActionSupport.MaxBatch, a
// message the provider no longer has (ErrNotFound in its result, the
// others changed), and invalid actions (a *connector.ValidationError
// naming the field at fault, nothing changed). Each check plants its own
// messages, with Message-IDs unique to the run.
func RunActions(t *testing.T, m connector.Modifier, f ActionsFixture) {
	t.Helper()
	if m == nil || f.Plant == nil || f.State == nil {
		t.Fatal("connectortest: RunActions needs a Modifier, ActionsFixture.Plant and ActionsFixture.State")
	}
	sup := m.ActionSupport()
	if sup.Move && (f.Folder == "" || f.MoveTo == "") {
		t.Fatal("connectortest: the connector moves messages: set ActionsFixture.Folder and MoveTo")
	}
	if sup.Labels && f.Label == "" {
		t.Fatal("connectortest: the connector has labels: set ActionsFixture.Label")
	}
	if f.MoveToRole != connector.RoleNone && f.RoleFolder == "" {
		t.Fatal("connectortest: ActionsFixture.MoveToRole needs RoleFolder")
	}
	if f.Timeout <= 0 {
		f.Timeout = time.Minute
	}
	for _, c := range actionChecks {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), f.Timeout)
			defer cancel()
			c.run(t, &actionSuite{m: m, f: &f, sup: sup, ctx: ctx, run: runID()})
		})
	}
}

// actionSuite is the state of one check of RunActions.
type actionSuite struct {
	m   connector.Modifier
	f   *ActionsFixture
	sup connector.ActionSupport
	ctx context.Context
	run string
	n   int
}

var actionChecks = []struct {
	name string
	run  func(*testing.T, *actionSuite)
}{
	{"Seen", checkSeen},
	{"Flagged", checkFlagged},
	{"Repeated", checkRepeated},
	{"Batch", checkBatch},
	{"MaxBatch", checkMaxBatch},
	{"NotFound", checkActionNotFound},
	{"Invalid", checkInvalidActions},
	{"MoveToFolder", checkMoveToFolder},
	{"MoveToRole", checkMoveToRole},
	{"MoveAndMark", checkMoveAndMark},
	{"Labels", checkLabels},
}
