package actionrun

import (
	"github.com/ucsp/integration/store"
)

// The events a Runner stores.
const (
	// EventMessageUpdated: a message's flags, labels or folders changed
	// (UpdatedData).
	EventMessageUpdated = "message.updated"
	// EventMessageDeleted: a message is gone from the mailbox
	// (DeletedData).
	EventMessageDeleted = "message.deleted"
)

// UpdatedData is the payload of a message.updated event: what changed
// and the message's new state.
type UpdatedData struct {
	IntegrationID string `json:"integration_id"`
	// Source is "api" for a change asked through the API.
	Source string `json:"source"`
	// Message is the message's id and identity at the provider.
	Message ChangedMessage `json:"message"`
	// Before and After are its flags, labels and folders.
	Before store.MessageState `json:"before"`
	After  store.MessageState `json:"after"`
}

// ChangedMessage names a changed message.
type ChangedMessage struct {
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	// PreviousProviderID is set when a move gave the message a new
	// ProviderID.
	PreviousProviderID string `json:"previous_provider_id,omitempty"`
}

// DeletedData is the payload of a message.deleted event.
type DeletedData struct {
	IntegrationID string         `json:"integration_id"`
	Source        string         `json:"source"`
	Message       ChangedMessage `json:"message"`
}

// changeEvents returns the event that announces c: message.deleted,
// message.updated for changed flags, labels or folders, none otherwise.
func changeEvents(c *store.MessageChange) ([]*store.Event, error) {
	msg := ChangedMessage{ID: c.ID, ProviderID: c.ProviderID, PreviousProviderID: c.PreviousProviderID}
	var payload any
	typ := EventMessageUpdated
	switch {
	case c.Deleted:
		typ, payload = EventMessageDeleted, DeletedData{IntegrationID: c.IntegrationID, Source: SourceAPI, Message: msg}
	case c.StateChanged():
		payload = UpdatedData{IntegrationID: c.IntegrationID, Source: SourceAPI, Message: msg, Before: c.Before, After: c.After}
	default:
		return nil, nil
	}
	ev, err := store.NewEvent(c.TenantID, c.IntegrationID, typ, payload)
	if err != nil {
		return nil, err
	}
	return []*store.Event{ev}, nil
}
