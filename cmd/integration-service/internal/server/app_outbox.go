package server

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/outbox"
)

// newOutbox returns the outbox delivering the store's events to
// EVENTS_WEBHOOK_URL, signed with EVENTS_WEBHOOK_SECRET; without a URL
// it delivers nothing and events stay pending (listed, redeliverable).
// Its job types are jobDeliverEvent and jobSweepEvents.
func newOutbox(cfg *Config, st store.Store, broker queue.Broker, logger *slog.Logger) (*outbox.Outbox, error) {
	if cfg.EventSweepInterval < time.Second {
		return nil, errors.New("EVENTS_SWEEP_INTERVAL: must be at least 1s")
	}
	opts := outbox.Options{
		URL:            cfg.EventsWebhookURL,
		SweepInterval:  cfg.EventSweepInterval,
		UserAgent:      "ucsp-integration-service",
		DeliverJobType: jobDeliverEvent,
		SweepJobType:   jobSweepEvents,
		Logger:         logger,
	}
	if opts.URL != "" {
		secret, err := webhook.ParseSecret(cfg.EventsWebhookSecret)
		if err != nil {
			return nil, errors.New("EVENTS_WEBHOOK_SECRET: not a whsec_ secret")
		}
		if opts.Signer, err = webhook.NewSigner(secret); err != nil {
			return nil, fmt.Errorf("EVENTS_WEBHOOK_SECRET: %w", err)
		}
	}
	return outbox.New(st, broker, opts)
}
