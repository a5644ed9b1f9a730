package syncrun

import (
	"context"
	"errors"
	"slices"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// The event types announcing changes to stored messages.
const (
	// EventMessageUpdated announces a stored message whose flags, labels
	// or folders changed, that moved, or that came back after a deletion
	// (MessageUpdatedData).
	EventMessageUpdated = "message.updated"
	// EventMessageDeleted announces a stored message the provider no
	// longer has (MessageDeletedData).
	EventMessageDeleted = "message.deleted"
)

// Source says where a change came from, in message.updated and
// message.deleted events.
type Source string

// The sources of a change.
const (
	// SourceSync: a sync found it (someone changed the mailbox).
	SourceSync Source = "sync"
	// SourceAPI: an action the API asked for (ApplyActionResult).
	SourceAPI Source = "api"
)

// MessageUpdatedData is the payload of a message.updated event.
type MessageUpdatedData struct {
	IntegrationID string `json:"integration_id"`
	// Message is the message's identity and state after the change.
	Message UpdatedMessage `json:"message"`
	// Changes says what changed.
	Changes MessageChanges `json:"changes"`
	Source  Source         `json:"source"`
}

// UpdatedMessage is the message of a message.updated event: its ids and
// its new state (the full sets).
type UpdatedMessage struct {
	// ID is the store's id of the message: a move keeps it.
	ID         string   `json:"id"`
	ProviderID string   `json:"provider_id"`
	Flags      []string `json:"flags"`
	Labels     []string `json:"labels"`
	Folders    []string `json:"folders"`
}

// MessageChanges is what a message.updated event reports as changed: a
// field is present only when it changed.
type MessageChanges struct {
	Flags   *SetChange `json:"flags,omitempty"`
	Labels  *SetChange `json:"labels,omitempty"`
	Folders *SetChange `json:"folders,omitempty"`
	// PreviousProviderID is the ProviderID before a move (the message's
	// id stays).
	PreviousProviderID string `json:"previous_provider_id,omitempty"`
	// Restored: the message was announced deleted and is back.
	Restored bool `json:"restored,omitempty"`
}

// SetChange is the change of a set (flags, labels, folders): what was
// added and what was removed, each sorted.
type SetChange struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// MessageDeletedData is the payload of a message.deleted event.
type MessageDeletedData struct {
	IntegrationID string         `json:"integration_id"`
	Message       DeletedMessage `json:"message"`
	Source        Source         `json:"source"`
}

// DeletedMessage is the message of a message.deleted event.
type DeletedMessage struct {
	// ID is the store's id of the message.
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
}

// ChangeEvents returns the events announcing changes to stored messages
// (store.SyncResult.Changed, store.MessageUpdater's change): one
// message.deleted per message newly deleted, one message.updated per
// other change, in order, each from source. A store reports only real
// changes, so a state already stored announces nothing. DefaultEvents
// announces a batch's changes with it (SourceSync); ApplyActionResult an
// action's (SourceAPI).
func ChangeEvents(changes []*store.MessageChange, source Source) ([]*store.Event, error) {
	events := make([]*store.Event, 0, len(changes))
	for _, ch := range changes {
		var (
			ev  *store.Event
			err error
		)
		if ch.Deleted {
			ev, err = store.NewEvent(ch.TenantID, ch.IntegrationID, EventMessageDeleted, MessageDeletedData{
				IntegrationID: ch.IntegrationID, Source: source,
				Message: DeletedMessage{ID: ch.ID, ProviderID: ch.ProviderID},
			})
		} else {
			ev, err = store.NewEvent(ch.TenantID, ch.IntegrationID, EventMessageUpdated, updatedData(ch, source))
		}
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}

// updatedData is the message.updated payload of ch.
func updatedData(ch *store.MessageChange, source Source) MessageUpdatedData {
	return MessageUpdatedData{
		IntegrationID: ch.IntegrationID, Source: source,
		Message: UpdatedMessage{
			ID: ch.ID, ProviderID: ch.ProviderID,
			Flags: sortedSet(ch.After.Flags), Labels: sortedSet(ch.After.Labels), Folders: sortedSet(ch.After.Folders),
		},
		Changes: MessageChanges{
			Flags: setChange(ch.Before.Flags, ch.After.Flags), Labels: setChange(ch.Before.Labels, ch.After.Labels),
			Folders:            setChange(ch.Before.Folders, ch.After.Folders),
			PreviousProviderID: ch.PreviousProviderID, Restored: ch.Restored,
		},
	}
}

// setChange returns what went from before to after, or nil when the two
// hold the same set.
func setChange(before, after []string) *SetChange {
	c := &SetChange{Added: []string{}, Removed: []string{}}
	for _, s := range sortedSet(after) {
		if !slices.Contains(before, s) {
			c.Added = append(c.Added, s)
		}
	}
	for _, s := range sortedSet(before) {
		if !slices.Contains(after, s) {
			c.Removed = append(c.Removed, s)
		}
	}
	if len(c.Added) == 0 && len(c.Removed) == 0 {
		return nil
	}
	return c
}

// sortedSet returns ss sorted, without repeats, never nil (an empty set
// is [] in JSON).
func sortedSet(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// ApplyActionResult makes the store follow what a connector.Modifier did
// to the stored message m (the provider is the truth: call it after
// Modify reported r): the message's new ProviderID and ProviderRef
// after a move, its new flags, labels and folders when r.Known, or its
// deletion when r.Err is connector.ErrNotFound. It stores, in the same
// transaction, the message.updated or message.deleted event of what
// really changed, with SourceAPI, and returns the events stored: none
// when the store held that state already (a sync got there first: it
// announced the change, with SourceSync). A result with another error
// changed nothing and stores nothing. An action racing a sync thus ends
// with the provider's state in the store and one event per change.
//
// A new ProviderID that another stored message holds (store.ErrConflict)
// means a sync stored the moved message as new before it could tell a
// move (a move during its look at the folders): the sync owns the
// message then, and deletes m when it sees it gone; nothing is stored
// and nil is returned.
func ApplyActionResult(ctx context.Context, st store.MessageUpdater, m *store.Message, r connector.ActionResult) ([]*store.Event, error) {
	u := &store.MessageUpdate{TenantID: m.TenantID, IntegrationID: m.IntegrationID, ID: m.ID}
	switch {
	case errors.Is(r.Err, connector.ErrNotFound):
		u.Deleted = true
	case r.Err != nil:
		return nil, nil
	default:
		u.ProviderID, u.ProviderRef = r.ProviderID, r.ProviderRef
		if r.Known {
			u.State, u.Known = store.MessageState{Flags: r.Flags, Labels: r.Labels, Folders: r.Folders}, true
		}
	}
	var stored []*store.Event
	u.Events = func(c *store.MessageChange) ([]*store.Event, error) {
		events, err := ChangeEvents([]*store.MessageChange{c}, SourceAPI)
		stored = events
		return events, err
	}
	_, err := st.ApplyMessageUpdate(ctx, u)
	switch {
	case errors.Is(err, store.ErrConflict):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return stored, nil
}
