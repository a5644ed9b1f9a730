package connector

import "context"

// FolderLister lists the folders (IMAP mailboxes, Gmail labels, Graph
// mailFolders) of a mailbox, so that a user can choose which to sync and
// where to move a message.
type FolderLister interface {
	// Folders returns every folder of the mailbox the credentials can
	// see, in the provider's order. Counts are filled where the provider
	// gives them cheaply (IMAP STATUS, Gmail labels.get, Graph
	// totalItemCount/unreadItemCount).
	Folders(ctx context.Context) ([]Folder, error)
}

// Role is what a folder is for, whatever its name: the special-use flags
// of IMAP (RFC 6154), Gmail's system labels, Graph's well-known folder
// names.
type Role string

// The folder roles a connector recognises. RoleNone is a folder with no
// special use.
const (
	RoleNone    Role = ""
	RoleInbox   Role = "inbox"
	RoleSent    Role = "sent"
	RoleDrafts  Role = "drafts"
	RoleTrash   Role = "trash"
	RoleJunk    Role = "junk"
	RoleArchive Role = "archive"
)

// Roles are the roles a move may name, in a stable order.
var Roles = []Role{RoleInbox, RoleSent, RoleDrafts, RoleTrash, RoleJunk, RoleArchive}

// Valid reports whether r is one of Roles (RoleNone is not).
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Folder is one folder of a mailbox.
type Folder struct {
	// ID is how the connector names the folder everywhere else: in
	// Message.Folders (IMAP, Graph) or Message.Labels (Gmail), in a
	// connector's settings (the folders to sync) and in Action.MoveTo.
	// IMAP: the mailbox name ("INBOX", "Archive", "Lists/Go"); Gmail: the
	// label id ("INBOX", "Label_12"); Graph: the mailFolder id.
	ID string `json:"id"`
	// Name is the folder's display name (the last part of an IMAP path,
	// a Gmail label's name, a Graph displayName).
	Name string `json:"name"`
	// Parent is the ID of the folder this one is in, if any.
	Parent string `json:"parent,omitempty"`
	// Role is what the folder is for, RoleNone if nothing special.
	Role Role `json:"role,omitempty"`
	// System is true for folders the provider defines (Gmail system
	// labels, Graph well-known folders, IMAP's INBOX and special-use
	// mailboxes) and false for the user's own.
	System bool `json:"system"`
	// Selectable is false for an IMAP \Noselect or \NonExistent mailbox
	// (a level of the hierarchy holding no messages): it cannot be
	// synced or moved to.
	Selectable bool `json:"selectable"`
	// Total and Unseen are the folder's message counts, when Counted.
	Total   int64 `json:"total,omitempty"`
	Unseen  int64 `json:"unseen,omitempty"`
	Counted bool  `json:"counted"`
}

// FolderByRole returns the first folder of fs with role r.
func FolderByRole(fs []Folder, r Role) (Folder, bool) {
	for _, f := range fs {
		if f.Role == r {
			return f, true
		}
	}
	return Folder{}, false
}
