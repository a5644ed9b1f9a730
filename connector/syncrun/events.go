package syncrun

import (
	"context"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// The event types a Runner stores with DefaultEvents and its error
// policy.
const (
	// EventMessageReceived announces a new message (MessageReceivedData).
	EventMessageReceived = "message.received"
	// EventSyncCompleted says a sync reached the end of the mailbox's
	// changes (SyncCompletedData).
	EventSyncCompleted = "sync.completed"
	// EventNeedsReauth says the provider refused the integration's
	// credentials (IntegrationProblemData).
	EventNeedsReauth = "integration.needs_reauth"
	// EventIntegrationError says the integration cannot work until it is
	// fixed (IntegrationProblemData).
	EventIntegrationError = "integration.error"
)

// EventPolicy decides what a sync announces. Embed DefaultEvents in a
// policy of your own to change one method and keep the other.
type EventPolicy interface {
	// BatchEvents returns the events that announce one batch. It is
	// called inside the batch's transaction, after its messages are
	// written: the events are stored with the batch and its cursor, both
	// or neither, and an error rolls the batch back and fails the sync.
	// It must not call the store.
	BatchEvents(ctx context.Context, b *BatchInfo) ([]*store.Event, error)
	// SyncEvents returns the events stored when a sync reaches the end,
	// with its summary.
	SyncEvents(ctx context.Context, in *store.Integration, s Summary) ([]*store.Event, error)
}

// BatchInfo is what an EventPolicy learns of a batch being committed.
type BatchInfo struct {
	// Integration is the integration being synced, as the sync loaded it.
	Integration *store.Integration
	// Batch is the batch as the connector handed it over: its messages,
	// and its changes (deletions, flag and label changes, resync
	// markers).
	Batch *connector.Batch
	// Inserted are the messages this commit stored for the first time
	// (store.SyncCommit.Events), in the batch's order.
	Inserted []*store.Message
	// Changed are the changes this commit made to messages stored
	// before (store.SyncResult.Changed): only real ones.
	Changed []*store.MessageChange
	// Backfill are the sync's counts of history and new mail, this
	// batch's included (for BackfillEvents).
	Backfill BackfillStats

	history map[string]bool // IsHistory's, built on first use
}

// DefaultEvents is the EventPolicy of a Runner whose Options.Events is
// nil: one message.received per new message a batch inserted (not the
// history, unless the integration's policy announces it: see
// BatchInfo.Announced), one message.updated or message.deleted per
// change the batch made to a stored message (ChangeEvents, SourceSync),
// a sync.backfill_completed with the batch that completes the history,
// and a sync.completed with the counts when the sync reaches the end.
type DefaultEvents struct{}

// BatchEvents returns ReceivedEvents of the messages b announces, then
// ChangeEvents of the changes it made, then BackfillEvents.
func (DefaultEvents) BatchEvents(_ context.Context, b *BatchInfo) ([]*store.Event, error) {
	events, err := ReceivedEvents(b.Announced())
	if err != nil {
		return nil, err
	}
	if len(b.Changed) > 0 {
		changed, err := ChangeEvents(b.Changed, SourceSync)
		if err != nil {
			return nil, err
		}
		events = append(events, changed...)
	}
	done, err := BackfillEvents(b)
	return append(events, done...), err
}

// SyncEvents returns one sync.completed event.
func (DefaultEvents) SyncEvents(_ context.Context, in *store.Integration, s Summary) ([]*store.Event, error) {
	ev, err := store.NewEvent(in.TenantID, in.ID, EventSyncCompleted, SyncCompletedData{
		IntegrationID: in.ID, Inserted: s.Inserted, Updated: s.Updated, Deleted: s.Deleted,
	})
	if err != nil {
		return nil, err
	}
	return []*store.Event{ev}, nil
}

// MessageReceivedData is the payload of a message.received event.
type MessageReceivedData struct {
	IntegrationID string          `json:"integration_id"`
	Message       ReceivedMessage `json:"message"`
}

// ReceivedMessage is the summary of the new message in a
// message.received event; the store has the rest.
type ReceivedMessage struct {
	ID         string              `json:"id"`
	ProviderID string              `json:"provider_id"`
	MessageID  string              `json:"message_id"`
	ThreadID   string              `json:"thread_id"`
	Subject    string              `json:"subject"`
	From       []connector.Address `json:"from"`
	ReceivedAt time.Time           `json:"received_at"`
	// Automated says whether a machine wrote the message (auto-reply,
	// bounce, list mail; see connector/automated), so that the platform
	// can decline to answer it; absent for a message not classified.
	Automated *connector.Automated `json:"automated,omitempty"`
}

// SyncCompletedData is the payload of a sync.completed event.
type SyncCompletedData struct {
	IntegrationID string `json:"integration_id"`
	Inserted      int    `json:"inserted"`
	Updated       int    `json:"updated"`
	Deleted       int    `json:"deleted"`
}

// ReceivedEvents returns one message.received event per message, in
// order: DefaultEvents' announcement of a batch, and that of messages
// stored by other means (a source that pushes its messages).
func ReceivedEvents(msgs []*store.Message) ([]*store.Event, error) {
	events := make([]*store.Event, 0, len(msgs))
	for _, m := range msgs {
		ev, err := store.NewEvent(m.TenantID, m.IntegrationID, EventMessageReceived, MessageReceivedData{
			IntegrationID: m.IntegrationID,
			Message: ReceivedMessage{
				ID: m.ID, ProviderID: m.ProviderID, MessageID: m.MessageID, ThreadID: m.ThreadID,
				Subject: m.Subject, From: m.From, ReceivedAt: m.ReceivedAt,
				Automated: automatedOf(&m.Message),
			},
		})
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}

// automatedOf returns m's classification for an event or a view: nil
// when m was not classified.
func automatedOf(m *connector.Message) *connector.Automated {
	if m.Automated.IsZero() {
		return nil
	}
	a := m.Automated.Clone()
	return &a
}
