package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/outbox"
)

// newOutbox returns the outbox delivering the store's events to
// EVENTS_WEBHOOK_URL, signed with EVENTS_WEBHOOK_SECRET; without a URL
// it delivers nothing and events stay pending (listed, redeliverable).
// Its job types are outbox.JobDeliver and outbox.JobSweep.
func (a *App) newOutbox() (*outbox.Outbox, error) {
	if a.cfg.EventSweepInterval < time.Second {
		return nil, errors.New("EVENTS_SWEEP_INTERVAL: must be at least 1s")
	}
	opts := outbox.Options{
		URL:           a.cfg.EventsWebhookURL,
		SweepInterval: a.cfg.EventSweepInterval,
		UserAgent:     "ucsp-integration-service",
		Logger:        a.logger,
	}
	if opts.URL != "" {
		secret, err := webhook.ParseSecret(a.cfg.EventsWebhookSecret)
		if err != nil {
			return nil, errors.New("EVENTS_WEBHOOK_SECRET: not a whsec_ secret")
		}
		if opts.Signer, err = webhook.NewSigner(secret); err != nil {
			return nil, fmt.Errorf("EVENTS_WEBHOOK_SECRET: %w", err)
		}
	}
	return outbox.New(a.store, a.broker, opts)
}
