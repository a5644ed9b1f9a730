package outlooktest

import "slices"

// MessageInfo is a snapshot of one message of a Mailbox.
type MessageInfo struct {
	// ID is the message's immutable id.
	ID string
	// Folder is the folder holding it: its well-known name (inbox,
	// archive, ...) or, for a user's folder, its id.
	Folder string
	// MessageID is the internetMessageId, without brackets.
	MessageID     string
	Read, Flagged bool
	Categories    []string
}

// Message returns the live message id (immutable or not), if any.
func (mb *Mailbox) Message(id string) (MessageInfo, bool) {
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	m := mb.msgs[immutableID(id)]
	if m == nil || m.deleted {
		return MessageInfo{}, false
	}
	return mb.infoLocked(m), true
}

// MessageByMessageID returns the live message whose internetMessageId
// is messageID (without brackets), if any.
func (mb *Mailbox) MessageByMessageID(messageID string) (MessageInfo, bool) {
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	for _, m := range mb.msgs {
		if !m.deleted && m.parsed.MessageID == messageID {
			return mb.infoLocked(m), true
		}
	}
	return MessageInfo{}, false
}

func (mb *Mailbox) infoLocked(m *message) MessageInfo {
	folder := m.folder
	for _, n := range wellKnown {
		if FolderID(n) == m.folder {
			folder = n
		}
	}
	return MessageInfo{ID: m.id, Folder: folder, MessageID: m.parsed.MessageID, Read: m.read, Flagged: m.flagged, Categories: slices.Clone(m.categories)}
}
