package store

import (
	"context"
	"time"

	"github.com/ucsp/integration/connector"
)

// SyncState is an integration's stored position in its mailbox.
type SyncState struct {
	// Cursor is the connector cursor of the last committed batch; zero
	// before the first.
	Cursor connector.Cursor `json:"cursor,omitempty"`
	// Version counts commits; CommitSync checks it to fence off a stale
	// syncer (one whose job was taken over after its lease ran out).
	Version int64 `json:"version"`
	// UpdatedAt is when the cursor was last committed.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// SyncCommit is one batch of a sync, committed atomically by CommitSync.
type SyncCommit struct {
	TenantID      string
	IntegrationID string
	// Version is the SyncState.Version this commit follows: the one
	// SyncState returned, or the one the previous CommitSync returned. A
	// different stored version means another syncer moved on: ErrConflict,
	// and nothing is written.
	Version int64
	// Cursor is the batch's cursor, stored if everything else succeeds.
	// It is required (ErrInvalid).
	Cursor connector.Cursor
	// Messages are upserted by ProviderID (required, ErrInvalid): a new
	// one is inserted, a known one has its thread, flags, labels, folders
	// and ProviderRef replaced (and is no longer deleted). When the same
	// ProviderID appears more than once, the last copy's thread, flags,
	// labels, folders and ref win.
	//
	// ProviderRef, the message's current address at the provider, is
	// stored and may change: a resync after an IMAP UIDVALIDITY change
	// reports the same ProviderIDs with new refs, and stores the new refs
	// without inserting or announcing anything. A ref names at most one
	// message of an integration: a message that takes a ref another
	// message holds takes it from that message, whose ref becomes empty
	// (as if the messages were upserted one after the other, in the order
	// given, so the last one given with a ref holds it). A change of ref,
	// or a ref taken away, is bookkeeping: it counts in neither
	// SyncResult.Updated nor a message's UpdatedAt.
	Messages []*connector.Message
	// Changes are applied after Messages, in the order given:
	// ChangeDeleted marks the message deleted, ChangeFlags sets its flags
	// and labels. ChangeResync is recorded in the result only. A
	// ChangeDeleted with a Folder applies only to a message whose folders
	// (as the batch's messages leave them) include that folder: one seen
	// in another folder since has moved, and stays.
	//
	// ChangeMoved and ChangeVanished are applied before Messages: a
	// ChangeMoved whose ProviderID names a stored message that is not
	// deleted, is not among Messages, and holds one of the refs of the
	// commit's ChangeVanished changes, and whose Target is a message of
	// the commit not stored yet, is a move: the stored message keeps its id and takes the
	// Target's ProviderID, and Target is upserted into it (its ref, thread,
	// flags, labels and folders) instead of being inserted. Each stored
	// message and each Target moves at most once per commit (the first
	// ChangeMoved that qualifies wins); the others are ignored.
	//
	// A change names its message by ProviderID. One with an empty
	// ProviderID and a ProviderRef names the message (deleted or not) that
	// holds that ref once Messages are applied, so a ref the batch's
	// messages set, or take, is the one it finds. A change that carries
	// both uses ProviderID and ignores the ref. Unknown provider ids and
	// refs are ignored.
	Changes []connector.Change
	// Events, when set, is called inside the transaction after the
	// messages are written and before the cursor is, with the messages
	// this commit inserted (those no earlier commit stored), in the order
	// given. The events it returns are stored in the same transaction. An
	// error from it rolls everything back and is returned. They are the
	// store's once returned: their payloads must not be changed
	// afterwards (store/memory keeps them without a copy).
	Events func(inserted []*Message) ([]*Event, error)
	// Announce, when set, is called inside the transaction after Events,
	// with the result as it will be returned (all but Events and
	// Version): the inserted messages and the changes made to known ones.
	// The events it returns are stored with the batch like those of
	// Events, after them.
	Announce func(r *SyncResult) ([]*Event, error)
}

// SyncResult says what a CommitSync did.
type SyncResult struct {
	// Inserted are the messages this commit stored for the first time.
	Inserted []*Message
	// Updated counts known messages whose thread, flags, labels or
	// folders changed, or that are no longer deleted. A new ProviderRef
	// alone does not count.
	Updated int
	// Deleted counts messages newly marked deleted.
	Deleted int
	// Changed reports, in no particular order, each known message whose
	// flags, labels or folders this commit changed, that it newly marked
	// deleted, that came back after a deletion, or that moved (ChangeMoved).
	// A message the commit inserted is not in it, even when a change of
	// the same commit touched it. A state already stored is not a change:
	// a later commit that sees the same state reports nothing.
	Changed []*MessageChange
	// Resync reports a ChangeResync in the batch.
	Resync bool
	// Events are the events stored with the batch.
	Events []*Event
	// Version is the new SyncState.Version, for the next commit.
	Version int64
}

// SyncStore keeps sync cursors and commits sync batches.
type SyncStore interface {
	// SyncState returns the integration's stored cursor and version (the
	// zero SyncState before the first commit), or ErrNotFound for an
	// unknown integration.
	SyncState(ctx context.Context, tenantID, integrationID string) (SyncState, error)
	// CommitSync writes a batch's messages, changes, events and cursor in
	// one transaction, and sets the integration's LastSyncAt: either all
	// of it is stored or none is. Messages are unique per integration and
	// provider id, so committing the same batch twice (with the new
	// version) stores nothing twice and reports nothing as inserted twice,
	// even when committers race. Provider refs are unique per integration
	// among the messages that have one (see SyncCommit.Messages).
	CommitSync(ctx context.Context, c *SyncCommit) (*SyncResult, error)
}
