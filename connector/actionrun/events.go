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
	Source  string         `json:"source"`
	Message UpdatedMessage `json:"message"`
	// Changed names what changed: flags, labels, folders.
	Changed []string `json:"changed"`
}

// UpdatedMessage is the new state of a changed message.
type UpdatedMessage struct {
	ID         string   `json:"id"`
	ProviderID string   `json:"provider_id"`
	MessageID  string   `json:"message_id"`
	ThreadID   string   `json:"thread_id"`
	Flags      []string `json:"flags"`
	Labels     []string `json:"labels"`
	Folders    []string `json:"folders"`
}

// DeletedData is the payload of a message.deleted event.
type DeletedData struct {
	IntegrationID string         `json:"integration_id"`
	Source        string         `json:"source"`
	Message       DeletedMessage `json:"message"`
}

// DeletedMessage names the deleted message.
type DeletedMessage struct {
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	MessageID  string `json:"message_id"`
}

// UpdatedEvent returns the message.updated event of m's new state.
func UpdatedEvent(m *store.Message, changed []string, source string) (*store.Event, error) {
	return store.NewEvent(m.TenantID, m.IntegrationID, EventMessageUpdated, UpdatedData{
		IntegrationID: m.IntegrationID, Source: source, Changed: changed,
		Message: UpdatedMessage{
			ID: m.ID, ProviderID: m.ProviderID, MessageID: m.MessageID, ThreadID: m.ThreadID,
			Flags: orEmpty(m.Flags), Labels: orEmpty(m.Labels), Folders: orEmpty(m.Folders),
		},
	})
}

// DeletedEvent returns the message.deleted event of m.
func DeletedEvent(m *store.Message, source string) (*store.Event, error) {
	return store.NewEvent(m.TenantID, m.IntegrationID, EventMessageDeleted, DeletedData{
		IntegrationID: m.IntegrationID, Source: source,
		Message: DeletedMessage{ID: m.ID, ProviderID: m.ProviderID, MessageID: m.MessageID},
	})
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
