package sendrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// HandleSend is the send job (JobSend): it sends an outbox entry
// through its integration's connector and marks it sent, with a
// message.sent event, in one transaction. A retry after an attempt
// whose outcome is unknown first looks for the entry's Message-ID among
// the provider's sent mail, when the connector can
// (connector.SentFinder), and does not send again if it is there. A
// failure goes through Options.Failures; the last one (not retried, or
// the last attempt) marks the entry failed with a message.failed event.
// An entry that is no longer pending, or whose integration was deleted,
// ends the job quietly.
func (r *Runner) HandleSend(ctx context.Context, job *queue.Job) error {
	var p payload
	if err := job.Decode(&p); err != nil {
		return fmt.Errorf("%w: sendrun: send payload: %w", queue.ErrSkipRetry, err)
	}
	e, err := r.store.GetOutbox(ctx, p.TenantID, p.OutboxID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // its integration was deleted
	case err != nil:
		return err
	case e.Status != store.OutboxPending:
		return nil
	}
	in, err := r.store.GetIntegration(ctx, e.TenantID, e.IntegrationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	c, err := r.connect(ctx, in)
	if err != nil {
		return r.failed(ctx, job, in, e, r.failures.JobError(ctx, in, "send: connector", err, syncrun.ScopeIntegration))
	}
	defer closeConnector(c)
	if f, ok := c.(connector.SentFinder); ok && e.Attempts > 0 {
		res, err := f.FindSent(ctx, e.Message.MessageID)
		switch {
		case err == nil:
			return r.markSent(ctx, e, res)
		case !errors.Is(err, connector.ErrNotFound):
			return r.failures.JobError(ctx, in, "send: looking for an earlier attempt", err, syncrun.ScopeOperation)
		}
	}
	// Counted before the send: an attempt that dies in it has an unknown
	// outcome, which the next attempt looks for.
	if _, err := r.store.UpdateOutbox(ctx, e.TenantID, e.ID, func(e *store.OutboxEntry) ([]*store.Event, error) {
		e.Attempts++
		return nil, nil
	}); err != nil {
		return err
	}
	res, err := c.Send(ctx, &e.Message)
	if err != nil {
		return r.failed(ctx, job, in, e, r.failures.JobError(ctx, in, "send", err, syncrun.ScopeOperation))
	}
	return r.markSent(ctx, e, res)
}

// closeConnector closes c if it holds connections.
func closeConnector(c connector.Connector) {
	if cl, ok := c.(io.Closer); ok {
		_ = cl.Close()
	}
}

// markSent records a sent entry and its message.sent event.
func (r *Runner) markSent(ctx context.Context, e *store.OutboxEntry, res *connector.SendResult) error {
	var events []*store.Event
	_, err := r.store.UpdateOutbox(ctx, e.TenantID, e.ID, func(e *store.OutboxEntry) ([]*store.Event, error) {
		events = nil
		if e.Status == store.OutboxSent {
			return nil, nil
		}
		e.Status, e.Result, e.SentAt, e.LastError = store.OutboxSent, res, time.Now(), ""
		ev, err := store.NewEvent(e.TenantID, e.IntegrationID, EventMessageSent, SentData{
			IntegrationID: e.IntegrationID, MessageID: e.Message.MessageID, OutboxID: e.ID, Result: res,
		})
		if err != nil {
			return nil, err
		}
		events = []*store.Event{ev}
		return events, nil
	})
	if err == nil {
		r.emit(ctx, events)
	}
	return err
}

// failed records the error of an attempt, and a message.failed event
// when the job will not be retried; it returns jobErr for the queue.
func (r *Runner) failed(ctx context.Context, job *queue.Job, in *store.Integration, e *store.OutboxEntry, jobErr error) error {
	final := errors.Is(jobErr, queue.ErrSkipRetry) || job.Attempt >= job.MaxAttempts
	var events []*store.Event
	_, err := r.store.UpdateOutbox(ctx, e.TenantID, e.ID, func(e *store.OutboxEntry) ([]*store.Event, error) {
		events = nil
		e.LastError = jobErr.Error()
		if !final || e.Status != store.OutboxPending {
			return nil, nil
		}
		e.Status = store.OutboxFailed
		ev, err := store.NewEvent(e.TenantID, in.ID, EventMessageFailed, FailedData{
			Error: jobErr.Error(), IntegrationID: in.ID, MessageID: e.Message.MessageID, OutboxID: e.ID,
		})
		if err != nil {
			return nil, err
		}
		events = []*store.Event{ev}
		return events, nil
	})
	if err == nil {
		r.emit(ctx, events)
	} else {
		r.logger.ErrorContext(ctx, "sendrun: recording a failed send", "outbox_id", e.ID, "error", err)
	}
	return jobErr
}
