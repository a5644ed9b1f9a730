package sendrun

import "github.com/ucsp/integration/connector"

// The events a Runner stores (store.NewEvent) and publishes.
const (
	// EventMessageSent: an outbox entry was sent (SentData).
	EventMessageSent = "message.sent"
	// EventMessageFailed: an outbox entry will not be sent (FailedData).
	EventMessageFailed = "message.failed"
)

// SentData is the payload of a message.sent event.
type SentData struct {
	IntegrationID string `json:"integration_id"`
	// MessageID is the sent message's Message-ID, without angle
	// brackets.
	MessageID string `json:"message_id"`
	OutboxID  string `json:"outbox_id"`
	// Result is what the provider said of the send.
	Result *connector.SendResult `json:"result"`
}

// FailedData is the payload of a message.failed event.
type FailedData struct {
	// Error is why the send failed for good.
	Error         string `json:"error"`
	IntegrationID string `json:"integration_id"`
	MessageID     string `json:"message_id"`
	OutboxID      string `json:"outbox_id"`
}
