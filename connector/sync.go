package connector

// Cursor is a connector's opaque position in a mailbox's change stream: an
// IMAP UIDVALIDITY + UID (+ MODSEQ) per folder, a Gmail historyId, a set
// of Graph delta links. Callers store it and hand it back; they never look
// inside. The zero Cursor means "from the beginning".
type Cursor string

// IsZero reports whether c is the zero Cursor.
func (c Cursor) IsZero() bool { return c == "" }

// Batch is one unit of a Sync: new or changed messages, other changes, and
// the cursor that covers them. A caller that commits Messages, Changes and
// Cursor atomically can crash at any point without losing or repeating
// work.
type Batch struct {
	// Messages are messages the provider reports as new or changed, in the
	// order the provider reports them. The same message can appear in more
	// than one batch (providers repeat changes); callers upsert by
	// ProviderID.
	Messages []*Message

	// Changes are the changes that are not new mail: deletions, flag and
	// label changes, resync markers. They apply after Messages.
	Changes []Change

	// Cursor covers this batch and every earlier one. It is never zero.
	Cursor Cursor

	// BackfillDone is set on the batch after which every message the
	// mailbox held at the backfill mark has been reported (see
	// Backfiller): once per mark, never by a resync.
	BackfillDone bool
}

// Len returns the number of messages and changes in b.
func (b *Batch) Len() int { return len(b.Messages) + len(b.Changes) }

// ChangeKind says what a Change is.
type ChangeKind uint8

// The kinds of Change.
const (
	// ChangeDeleted: the message with ProviderID is gone (expunged,
	// deleted, moved out of every synced folder).
	ChangeDeleted ChangeKind = iota + 1
	// ChangeFlags: the message's flags and labels are now Flags and
	// Labels (the full new sets, not a delta).
	ChangeFlags
	// ChangeResync: the connector could not continue from the cursor and
	// started over for Folder ("" means the whole mailbox). Messages that
	// follow may have been reported before; messages the caller holds for
	// that scope and does not see again in this pass may be gone.
	ChangeResync
	// ChangeMoved: the message with ProviderID may be the batch's new
	// message Target, moved there from another folder (a connector whose
	// ProviderID names the folder, like IMAP, sees a move as a message
	// gone from one folder and a new one in another). It is a move only
	// when the stored message ProviderID still holds one of the refs of
	// the batch's ChangeVanished changes: then the caller keeps its
	// message, gives it Target's ProviderID, ProviderRef and state, and
	// does not store Target as a new message. Otherwise it is ignored.
	ChangeMoved
	// ChangeVanished: the message last reported with ProviderRef is gone
	// from there; its ChangeDeleted comes in a later batch of the same
	// sync, so that a ChangeMoved of this batch can claim it first. It
	// changes nothing by itself.
	ChangeVanished
)

// String returns the kind's name, e.g. "deleted".
func (k ChangeKind) String() string {
	switch k {
	case ChangeDeleted:
		return "deleted"
	case ChangeFlags:
		return "flags"
	case ChangeResync:
		return "resync"
	case ChangeMoved:
		return "moved"
	case ChangeVanished:
		return "vanished"
	default:
		return "unknown"
	}
}

// Change is a change to a mailbox other than new mail.
type Change struct {
	Kind ChangeKind `json:"kind"`
	// ProviderID identifies the message (ChangeDeleted, ChangeFlags).
	// When a connector knows only the message's current address (an IMAP
	// UID of an expunged message), ProviderID is empty and ProviderRef
	// names the message by the Message.ProviderRef it was last reported
	// with.
	ProviderID  string `json:"provider_id,omitempty"`
	ProviderRef string `json:"provider_ref,omitempty"`
	// Target is the ProviderID of the batch's message a ChangeMoved
	// names as the moved message's new identity.
	Target string `json:"target,omitempty"`
	// Folder is the scope of a ChangeResync ("" for the whole mailbox),
	// or the folder a ChangeDeleted's message left: a connector whose ids
	// survive a move (Graph's immutable ids) sets it, so that a caller
	// that has seen the message in another folder since (a move whose
	// target was synced first) keeps it. Empty: the message is gone.
	Folder string `json:"folder,omitempty"`
	// Flags and Labels are the message's new flags and labels
	// (ChangeFlags).
	Flags  []string `json:"flags,omitempty"`
	Labels []string `json:"labels,omitempty"`
	// Reason says why, for logs and events (e.g. "uidvalidity changed").
	Reason string `json:"reason,omitempty"`
}
