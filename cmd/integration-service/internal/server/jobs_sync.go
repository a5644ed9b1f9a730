package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// runSync pulls what changed in an integration's mailbox since its
// stored cursor and commits each batch with its cursor and one
// message.received event per new message, in one transaction: a crash
// redoes work, never skips or duplicates it. A sync that reaches the
// end stores a sync.completed event with its counts.
func (a *App) runSync(ctx context.Context, job *queue.Job) error {
	var p syncJob
	if err := job.Decode(&p); err != nil {
		return fmt.Errorf("%w: sync payload: %w", queue.ErrSkipRetry, err)
	}
	in, err := a.store.GetIntegration(ctx, p.TenantID, p.IntegrationID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // deleted since
	case err != nil:
		return err
	case in.Provider == providerCustom || in.Status == store.StatusDisabled:
		return nil
	}
	c, err := a.buildConnector(ctx, in)
	if err != nil {
		return a.jobError(ctx, in, "sync: connector", err, true)
	}
	defer closeConnector(c)
	state, err := a.store.SyncState(ctx, in.TenantID, in.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted meanwhile
	} else if err != nil {
		return err
	}
	version := state.Version
	var enqueues sync.WaitGroup
	var inserted, updated, deleted int
	err = c.Sync(ctx, state.Cursor, func(ctx context.Context, b *connector.Batch) error {
		res, err := a.store.CommitSync(ctx, &store.SyncCommit{
			TenantID: in.TenantID, IntegrationID: in.ID, Version: version,
			Cursor: b.Cursor, Messages: b.Messages, Changes: b.Changes,
			Events: func(inserted []*store.Message) ([]*store.Event, error) {
				return receivedEvents(inserted)
			},
		})
		if err != nil {
			return err
		}
		version = res.Version
		inserted, updated, deleted = inserted+len(res.Inserted), updated+res.Updated, deleted+res.Deleted
		// The batch's events are enqueued while the next batch commits
		// (they are stored already: a lost enqueue is the sweep's).
		enqueues.Go(func() { a.events.Enqueue(ctx, res.Events...) })
		return nil
	})
	enqueues.Wait()
	switch {
	case errors.Is(err, store.ErrConflict):
		return nil // another run of this sync moved the cursor on; it owns the work now
	case errors.Is(err, store.ErrNotFound):
		return nil // the integration was deleted meanwhile
	case err != nil:
		return a.jobError(ctx, in, "sync", err, true)
	}
	ev, err := store.NewEvent(in.TenantID, in.ID, eventSyncCompleted, map[string]any{
		"integration_id": in.ID, "inserted": inserted, "updated": updated, "deleted": deleted,
	})
	if err != nil {
		return err
	}
	if err := a.store.InsertEvents(ctx, ev); err != nil {
		return err
	}
	a.events.Enqueue(ctx, ev)
	return nil
}

// receivedPayload is the payload of a message.received event (schema
// MessageReceivedData).
type receivedPayload struct {
	IntegrationID string          `json:"integration_id"`
	Message       receivedMessage `json:"message"`
}

// receivedMessage is the summary of the new message in a
// message.received event.
type receivedMessage struct {
	ID         string              `json:"id"`
	ProviderID string              `json:"provider_id"`
	MessageID  string              `json:"message_id"`
	ThreadID   string              `json:"thread_id"`
	Subject    string              `json:"subject"`
	From       []connector.Address `json:"from"`
	ReceivedAt time.Time           `json:"received_at"`
}

// receivedEvents returns one message.received event per new message.
func receivedEvents(msgs []*store.Message) ([]*store.Event, error) {
	events := make([]*store.Event, 0, len(msgs))
	for _, m := range msgs {
		ev, err := store.NewEvent(m.TenantID, m.IntegrationID, eventMessageReceived, receivedPayload{
			IntegrationID: m.IntegrationID,
			Message: receivedMessage{
				ID: m.ID, ProviderID: m.ProviderID, MessageID: m.MessageID, ThreadID: m.ThreadID,
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
