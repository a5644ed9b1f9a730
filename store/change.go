package store

import (
	"context"
	"slices"
)

// MessageState is the part of a stored message that changes after it is
// stored: what a sync's flag, label and folder changes and an action at
// the provider set.
type MessageState struct {
	Flags   []string `json:"flags"`
	Labels  []string `json:"labels"`
	Folders []string `json:"folders"`
}

// Equal reports whether s and o hold the same flags, labels and folders,
// each compared as a set (order and repeats do not count).
func (s MessageState) Equal(o MessageState) bool {
	return SameSet(s.Flags, o.Flags) && SameSet(s.Labels, o.Labels) && SameSet(s.Folders, o.Folders)
}

// MessageChange is what one write did to one stored message: a write
// reports a message only when its flags, labels or folders changed (as
// sets), when it was newly marked deleted, when it came back after a
// deletion, or when it moved (a new ProviderID for the same message).
// A new ProviderRef alone, or a state already stored, is not reported.
type MessageChange struct {
	// ID is the store's id of the message; it never changes.
	ID            string `json:"id"`
	TenantID      string `json:"tenant_id"`
	IntegrationID string `json:"integration_id"`
	// ProviderID and ProviderRef are the message's identity as the write
	// left it.
	ProviderID  string `json:"provider_id"`
	ProviderRef string `json:"provider_ref,omitempty"`
	// PreviousProviderID is the ProviderID before the write, when the
	// write moved the message (a new ProviderID); empty otherwise.
	PreviousProviderID string `json:"previous_provider_id,omitempty"`
	// Before and After are the message's state before and after the
	// write. For a deleted message they are equal: deletion does not
	// change the state.
	Before MessageState `json:"before"`
	After  MessageState `json:"after"`
	// Deleted: the write marked the message deleted (it was not).
	Deleted bool `json:"deleted,omitempty"`
	// Restored: the message was marked deleted and the write brought it
	// back (the provider reported it again).
	Restored bool `json:"restored,omitempty"`
}

// StateChanged reports whether the message's flags, labels or folders
// changed.
func (c *MessageChange) StateChanged() bool { return !c.Before.Equal(c.After) }

// MessageUpdate is a change made at the provider, outside a sync (an
// action the API asked a connector to do), that the store follows:
// ApplyMessageUpdate writes it and reports what it changed.
type MessageUpdate struct {
	TenantID      string
	IntegrationID string
	// ID is the store's id of the message. Required.
	ID string
	// ProviderID and ProviderRef, when not empty, are the message's new
	// identity at the provider (after a move: connector.ActionResult). A
	// ProviderID another message of the integration holds is
	// ErrConflict; a ProviderRef another message holds is taken from it,
	// as CommitSync does.
	ProviderID  string
	ProviderRef string
	// State, when Known, replaces the message's flags, labels and
	// folders (the full sets of connector.ActionResult).
	State MessageState
	Known bool
	// Deleted marks the message deleted: the provider no longer has it.
	// The other fields are then ignored.
	Deleted bool
	// Events, when set, is called inside the transaction with the change
	// the update made (never called when it changed nothing); the events
	// it returns are stored in the same transaction, and an error from it
	// rolls the update back and is returned.
	Events func(c *MessageChange) ([]*Event, error)
}

// MessageUpdater applies changes made at the provider outside a sync.
type MessageUpdater interface {
	// ApplyMessageUpdate writes u to the message u.ID of the tenant's
	// integration in one transaction with the events u.Events returns,
	// and returns what changed, or nil when the store already held that
	// state (nothing is written, no event). A message that is gone from
	// the store is ErrNotFound. Writes are serialised with CommitSync's,
	// so that an action racing a sync ends with the provider's state and
	// one report per change.
	ApplyMessageUpdate(ctx context.Context, u *MessageUpdate) (*MessageChange, error)
}

// SameSet reports whether a and b hold the same strings, in any order and
// counting repeats once: flags, labels and folders are sets.
func SameSet(a, b []string) bool {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	for _, s := range b {
		if !slices.Contains(a, s) {
			return false
		}
	}
	return true
}
