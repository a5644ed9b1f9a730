package main

import (
	"fmt"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/outbox"
)

// openOutbox returns the outbox delivering the store's events to
// cfg.EventsURL, signed with cfg.EventsSecret; nil without a URL (no
// events are stored then).
func openOutbox(cfg config, st store.Store, broker queue.Broker) (*outbox.Outbox, error) {
	if cfg.EventsURL == "" {
		return nil, nil
	}
	secret, err := webhook.ParseSecret(cfg.EventsSecret)
	if err != nil {
		return nil, fmt.Errorf("EVENTS_WEBHOOK_SECRET: %w", err)
	}
	signer, err := webhook.NewSigner(secret)
	if err != nil {
		return nil, fmt.Errorf("EVENTS_WEBHOOK_SECRET: %w", err)
	}
	ob, err := outbox.New(st, broker, outbox.Options{URL: cfg.EventsURL, Signer: signer, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("-events-url: %w", err)
	}
	return ob, nil
}

// received is the data of a message.received event.
type received struct {
	IntegrationID string          `json:"integration_id"`
	Message       receivedMessage `json:"message"`
}

// receivedMessage summarizes the new message; GET /messages has the
// rest.
type receivedMessage struct {
	ID         string              `json:"id"`
	ProviderID string              `json:"provider_id"`
	MessageID  string              `json:"message_id,omitempty"`
	Subject    string              `json:"subject,omitempty"`
	From       []connector.Address `json:"from,omitempty"`
	ReceivedAt time.Time           `json:"received_at,omitzero"`
}

// receivedEvents returns a message.received event per message a commit
// inserted: stored in the commit's transaction, so that a message is
// never stored without its event.
func receivedEvents(inserted []*store.Message) ([]*store.Event, error) {
	events := make([]*store.Event, 0, len(inserted))
	for _, m := range inserted {
		ev, err := store.NewEvent(m.TenantID, m.IntegrationID, "message.received", received{
			IntegrationID: m.IntegrationID,
			Message: receivedMessage{
				ID: m.ID, ProviderID: m.ProviderID, MessageID: m.MessageID,
				Subject: m.Subject, From: m.From, ReceivedAt: m.ReceivedAt,
			},
		})
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}
