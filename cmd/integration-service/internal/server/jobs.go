package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// The job types the worker runs, and their attempts.
const (
	jobSync         = "sync"
	jobSend         = "send"
	syncMaxAttempts = 10
	sendMaxAttempts = 10
)

// The event types the server stores for delivery to the platform.
const (
	eventMessageReceived  = "message.received"
	eventMessageSent      = "message.sent"
	eventMessageFailed    = "message.failed"
	eventNeedsReauth      = "integration.needs_reauth"
	eventIntegrationError = "integration.error"
	eventSyncCompleted    = "sync.completed"
)

// syncJob is the payload of a sync job.
type syncJob struct {
	TenantID      string `json:"tenant_id"`
	IntegrationID string `json:"integration_id"`
}

// sendJob is the payload of a send job.
type sendJob struct {
	TenantID string `json:"tenant_id"`
	OutboxID string `json:"outbox_id"`
}

func (a *App) registerJobs() {
	a.jobs.HandleFunc(jobSync, a.runSync)
	a.jobs.HandleFunc(jobSend, a.runSend)
	a.events.Register(&a.jobs) // outbox.JobDeliver, outbox.JobSweep
	a.jobs.HandleFunc(jobSweepSync, a.runSweepSync)
	a.jobs.HandleFunc(jobCheckIntegrations, a.runCheckIntegrations)
	a.jobs.HandleFunc(jobCheckIntegration, a.runCheckIntegration)
	a.jobs.HandleFunc(jobRenewWatches, a.runRenewWatches)
	a.jobs.HandleFunc(jobRefreshTokens, a.runRefreshTokens)
	a.jobs.HandleFunc(jobSubscriptionLifecycle, a.runSubscriptionLifecycle)
}

// HandleJob registers h for jobs of type typ beside the server's own,
// measured like them: for deployments that add job types, and tests.
func (a *App) HandleJob(typ string, h queue.Handler) { a.jobs.Handle(typ, h) }

// Broker returns the queue broker jobs are enqueued on.
func (a *App) Broker() queue.Broker { return a.broker }

// newWorker returns a worker running QUEUE_CONCURRENCY jobs at once.
func (a *App) newWorker() (*queue.Worker, error) {
	return queue.NewWorker(a.broker, queue.Chain(&a.jobs, a.metrics.jobMiddleware), queue.WorkerConfig{
		Concurrency:     a.cfg.QueueConcurrency,
		Lease:           a.cfg.QueueLease,
		ShutdownTimeout: a.cfg.ShutdownTimeout,
		Logger:          a.logger,
		Periodic: []queue.Periodic{a.events.Periodic(), {
			Name: jobSweepSync, Every: a.cfg.SyncSweepInterval, Type: jobSweepSync,
			Options: []queue.Option{queue.MaxAttempts(1)},
		}, {
			Name: jobCheckIntegrations, Every: a.cfg.HealthCheckInterval, Type: jobCheckIntegrations,
			Options: []queue.Option{queue.MaxAttempts(1)},
		}, {
			Name: jobRenewWatches, Every: a.cfg.WatchRenewInterval, Type: jobRenewWatches,
			Options: []queue.Option{queue.MaxAttempts(1)},
		}, {
			Name: jobRefreshTokens, Every: a.cfg.TokenRefreshInterval, Type: jobRefreshTokens,
			Options: []queue.Option{queue.MaxAttempts(1)},
		}},
	})
}

// jobError turns a connector error into what the queue should do with
// the job: wait as the provider asked, give up on auth and permanent
// errors, or retry with backoff. An auth failure marks the integration
// needs_reauth; a permanent one marks it error when integrationWide (a
// sync that cannot work), not for one message a provider refused.
func (a *App) jobError(ctx context.Context, in *store.Integration, op string, err error, integrationWide bool) error {
	err = fmt.Errorf("%s: %w", op, err)
	switch {
	case errors.Is(err, connector.ErrAuth):
		a.markIntegration(ctx, in, store.StatusNeedsReauth, err)
		return fmt.Errorf("%w: %w", queue.ErrSkipRetry, err)
	case errors.Is(err, connector.ErrRateLimited):
		return queue.RetryAfter(max(connector.RetryAfter(err), time.Second), err)
	case errors.Is(err, connector.ErrPermanent), errors.Is(err, connector.ErrUnsupported):
		if integrationWide {
			a.markIntegration(ctx, in, store.StatusError, err)
		}
		return fmt.Errorf("%w: %w", queue.ErrSkipRetry, err)
	}
	return err
}

// markIntegration records a failure on the integration, with an
// integration.needs_reauth event when re-authorisation is needed and an
// integration.error event when it cannot work, stored with the status
// in one transaction (a crash never loses the announcement). A status
// already set is not announced again; a disabled integration is left
// alone.
func (a *App) markIntegration(ctx context.Context, in *store.Integration, status store.IntegrationStatus, cause error) {
	typ := eventNeedsReauth
	if status == store.StatusError {
		typ = eventIntegrationError
	}
	var announced []*store.Event
	_, err := a.store.UpdateIntegrationWithEvents(ctx, in.TenantID, in.ID, func(cur *store.Integration) ([]*store.Event, error) {
		announced = nil
		if cur.Status == store.StatusDisabled {
			return nil, nil
		}
		changed := cur.Status != status
		cur.Status, cur.LastError = status, cause.Error()
		if !changed {
			return nil, nil
		}
		ev, err := problemEvent(cur, typ)
		if err != nil {
			return nil, err
		}
		announced = []*store.Event{ev}
		return announced, nil
	})
	switch {
	case err == nil:
		a.events.Enqueue(ctx, announced...)
	case !errors.Is(err, store.ErrNotFound):
		a.logger.ErrorContext(ctx, "recording an integration's failure", "integration_id", in.ID, "error", err)
	}
}

// problemPayload is the payload of integration.needs_reauth and
// integration.error (schema IntegrationProblemData).
type problemPayload struct {
	IntegrationID string `json:"integration_id"`
	Provider      string `json:"provider"`
	Reason        string `json:"reason"`
}

// problemEvent announces in's new status typ, with its LastError as the
// reason.
func problemEvent(in *store.Integration, typ string) (*store.Event, error) {
	return store.NewEvent(in.TenantID, in.ID, typ, problemPayload{IntegrationID: in.ID, Provider: in.Provider, Reason: in.LastError})
}
