package syncrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// Scope says how far a failure reaches, for JobError.
type Scope uint8

// The scopes of a failure.
const (
	// ScopeIntegration: the integration cannot work (a sync failed, its
	// connector could not be built). A permanent error marks it
	// StatusError.
	ScopeIntegration Scope = iota + 1
	// ScopeOperation: one operation failed (a provider refused one
	// message, a push registration failed). A permanent error ends the
	// job and leaves the integration's status alone.
	ScopeOperation
)

// JobError is the error policy of the jobs that use an integration's
// connector (syncs, and a deployment's own: sending, push
// registrations): it turns err, the failure of operation op, into what
// the queue should do with the job.
//
//   - connector.ErrAuth: the integration is marked needs_reauth
//     (MarkIntegration) and the job is not retried (queue.ErrSkipRetry);
//   - connector.ErrRateLimited: the job is retried after the wait the
//     provider asked for (connector.RetryAfter, at least a second);
//   - connector.ErrPermanent or ErrUnsupported: the job is not retried,
//     and with ScopeIntegration the integration is marked error;
//   - anything else is returned as it is: retried with backoff.
//
// The error returned wraps err, prefixed with op.
func (r *Runner) JobError(ctx context.Context, in *store.Integration, op string, err error, scope Scope) error {
	err = fmt.Errorf("%s: %w", op, err)
	switch {
	case errors.Is(err, connector.ErrAuth):
		r.MarkIntegration(ctx, in, store.StatusNeedsReauth, err)
		return fmt.Errorf("%w: %w", queue.ErrSkipRetry, err)
	case errors.Is(err, connector.ErrRateLimited):
		return queue.RetryAfter(max(connector.RetryAfter(err), time.Second), err)
	case errors.Is(err, connector.ErrPermanent), errors.Is(err, connector.ErrUnsupported):
		if scope == ScopeIntegration {
			r.MarkIntegration(ctx, in, store.StatusError, err)
		}
		return fmt.Errorf("%w: %w", queue.ErrSkipRetry, err)
	}
	return err
}

// MarkIntegration records a failure on the integration: status
// (StatusNeedsReauth or StatusError) and cause as its LastError, with an
// integration.needs_reauth or integration.error event stored in the same
// transaction (a crash never loses the announcement), then published. A
// status already set is not announced again; a disabled integration is
// left alone; a deleted one is not an error. A failure to record is
// logged: the job that failed reports its own error.
func (r *Runner) MarkIntegration(ctx context.Context, in *store.Integration, status store.IntegrationStatus, cause error) {
	typ := EventNeedsReauth
	if status == store.StatusError {
		typ = EventIntegrationError
	}
	var announced []*store.Event
	_, err := r.store.UpdateIntegrationWithEvents(ctx, in.TenantID, in.ID, func(cur *store.Integration) ([]*store.Event, error) {
		announced = nil
		if cur.Status == store.StatusDisabled {
			return nil, nil
		}
		changed := cur.Status != status
		cur.Status, cur.LastError = status, cause.Error()
		if !changed {
			return nil, nil
		}
		ev, err := ProblemEvent(cur, typ)
		if err != nil {
			return nil, err
		}
		announced = []*store.Event{ev}
		return announced, nil
	})
	switch {
	case err == nil:
		r.emit(ctx, announced)
	case !errors.Is(err, store.ErrNotFound):
		r.logger.ErrorContext(ctx, "syncrun: recording an integration's failure", "integration_id", in.ID, "error", err)
	}
}

// IntegrationProblemData is the payload of integration.needs_reauth and
// integration.error events.
type IntegrationProblemData struct {
	IntegrationID string `json:"integration_id"`
	Provider      string `json:"provider"`
	Reason        string `json:"reason"`
}

// ProblemEvent returns the event of type typ (EventNeedsReauth or
// EventIntegrationError) that announces in's status, with its LastError
// as the reason: for code that changes an integration's status itself,
// in the same store transaction.
func ProblemEvent(in *store.Integration, typ string) (*store.Event, error) {
	return store.NewEvent(in.TenantID, in.ID, typ, IntegrationProblemData{IntegrationID: in.ID, Provider: in.Provider, Reason: in.LastError})
}
