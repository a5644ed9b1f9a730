package main

import (
	"context"
	"fmt"

	"github.com/ucsp/integration/connector/syncrun"
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

// announce is the example's event policy: with an outbox, syncrun's
// default for a batch (one message.received per new message, the
// history only when the integration's policy announces it; one
// message.updated or message.deleted per change to a stored one),
// stored in the commit that stores the message; no sync.completed nor
// sync.backfill_completed; without an outbox, no events at all.
type announce struct{ on bool }

func (p announce) BatchEvents(_ context.Context, b *syncrun.BatchInfo) ([]*store.Event, error) {
	if !p.on {
		return nil, nil
	}
	events, err := syncrun.ReceivedEvents(b.Announced())
	if err != nil || len(b.Changed) == 0 {
		return events, err
	}
	changed, err := syncrun.ChangeEvents(b.Changed, syncrun.SourceSync)
	return append(events, changed...), err
}

func (announce) SyncEvents(context.Context, *store.Integration, syncrun.Summary) ([]*store.Event, error) {
	return nil, nil
}
