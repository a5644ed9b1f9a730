package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// runSend sends an outbox entry through its integration's connector and
// marks it sent, with a message.sent event, in one transaction. A retry
// after an attempt whose outcome is unknown first looks for the entry's
// Message-ID among the provider's sent mail, when the connector can, and
// does not send again if it is there.
func (a *App) runSend(ctx context.Context, job *queue.Job) error {
	var p sendJob
	if err := job.Decode(&p); err != nil {
		return fmt.Errorf("%w: send payload: %w", queue.ErrSkipRetry, err)
	}
	e, err := a.store.GetOutbox(ctx, p.TenantID, p.OutboxID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // its integration was deleted
	case err != nil:
		return err
	case e.Status != store.OutboxPending:
		return nil
	}
	in, err := a.store.GetIntegration(ctx, e.TenantID, e.IntegrationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	c, err := a.buildConnector(ctx, in)
	if err != nil {
		return a.sendFailed(ctx, job, in, e, a.syncs.JobError(ctx, in, "send: connector", err, syncrun.ScopeIntegration))
	}
	defer closeConnector(c)
	if f, ok := c.(connector.SentFinder); ok && e.Attempts > 0 {
		res, err := f.FindSent(ctx, e.Message.MessageID)
		switch {
		case err == nil:
			return a.markSent(ctx, e, res)
		case !errors.Is(err, connector.ErrNotFound):
			return a.syncs.JobError(ctx, in, "send: looking for an earlier attempt", err, syncrun.ScopeOperation)
		}
	}
	if _, err := a.store.UpdateOutbox(ctx, e.TenantID, e.ID, func(e *store.OutboxEntry) ([]*store.Event, error) {
		e.Attempts++
		return nil, nil
	}); err != nil {
		return err
	}
	res, err := c.Send(ctx, &e.Message)
	if err != nil {
		return a.sendFailed(ctx, job, in, e, a.syncs.JobError(ctx, in, "send", err, syncrun.ScopeOperation))
	}
	return a.markSent(ctx, e, res)
}

// markSent records a sent entry and its message.sent event.
func (a *App) markSent(ctx context.Context, e *store.OutboxEntry, res *connector.SendResult) error {
	var events []*store.Event
	_, err := a.store.UpdateOutbox(ctx, e.TenantID, e.ID, func(e *store.OutboxEntry) ([]*store.Event, error) {
		if e.Status == store.OutboxSent {
			return nil, nil
		}
		e.Status, e.Result, e.SentAt, e.LastError = store.OutboxSent, res, time.Now(), ""
		ev, err := store.NewEvent(e.TenantID, e.IntegrationID, eventMessageSent, map[string]any{
			"integration_id": e.IntegrationID, "outbox_id": e.ID, "message_id": e.Message.MessageID, "result": res,
		})
		if err != nil {
			return nil, err
		}
		events = []*store.Event{ev}
		return events, nil
	})
	if err == nil {
		a.events.Enqueue(ctx, events...)
	}
	return err
}

// sendFailed records the error of an attempt, and a message.failed event
// when the job will not be retried; it returns jobErr for the queue.
func (a *App) sendFailed(ctx context.Context, job *queue.Job, in *store.Integration, e *store.OutboxEntry, jobErr error) error {
	final := errors.Is(jobErr, queue.ErrSkipRetry) || job.Attempt >= job.MaxAttempts
	var events []*store.Event
	_, err := a.store.UpdateOutbox(ctx, e.TenantID, e.ID, func(e *store.OutboxEntry) ([]*store.Event, error) {
		e.LastError = jobErr.Error()
		if !final || e.Status != store.OutboxPending {
			return nil, nil
		}
		e.Status = store.OutboxFailed
		ev, err := store.NewEvent(e.TenantID, in.ID, eventMessageFailed, map[string]any{
			"integration_id": in.ID, "outbox_id": e.ID, "message_id": e.Message.MessageID, "error": jobErr.Error(),
		})
		if err != nil {
			return nil, err
		}
		events = []*store.Event{ev}
		return events, nil
	})
	if err == nil {
		a.events.Enqueue(ctx, events...)
	} else {
		a.logger.ErrorContext(ctx, "recording a failed send", "outbox_id", e.ID, "error", err)
	}
	return jobErr
}
