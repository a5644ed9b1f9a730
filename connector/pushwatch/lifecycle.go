package pushwatch

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// lifecycleJob is a JobLifecycle job's payload.
type lifecycleJob struct {
	TenantID       string `json:"tenant_id"`
	IntegrationID  string `json:"integration_id"`
	SubscriptionID string `json:"subscription_id"`
	Event          string `json:"event"`
}

// Reauthorizer is a connector whose push registration can be
// reauthorized (outlook.Connector): what Lifecycle calls for a
// reauthorizationRequired event.
type Reauthorizer interface {
	Reauthorize(ctx context.Context, subscriptionID string) error
}

// Lifecycle acts on a Graph lifecycle event of the tenant's
// integration's subscription subscriptionID:
//
//   - reauthorizationRequired: the subscription is reauthorized
//     (Reauthorizer), nothing else;
//   - subscriptionRemoved: a new subscription is made, and a sync
//     triggered for what was missed;
//   - missed (or any other event): a sync is triggered, since what
//     happened meanwhile is in the delta.
//
// A deleted or disabled integration is left alone. A provider's
// refusal goes through Failures (an auth failure marks the integration
// needs_reauth and is not retried); the error returned is what the job
// fails with.
func (m *Manager) Lifecycle(ctx context.Context, tenant, integration, subscriptionID string, event webhook.GraphLifecycleEvent) error {
	in, err := m.store.GetIntegration(ctx, tenant, integration)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case in.Status == store.StatusDisabled:
		return nil
	}
	switch event {
	case webhook.GraphReauthorizationRequired:
		if err := m.reauthorize(ctx, in, subscriptionID); err != nil {
			return m.opts.Failures.JobError(ctx, in, "reauthorize subscription", err, syncrun.ScopeOperation)
		}
		return nil
	case webhook.GraphSubscriptionRemoved:
		if _, err := m.watch(ctx, in, nil, m.opts.Now()); err != nil {
			return m.opts.Failures.JobError(ctx, in, "recreate subscription", err, syncrun.ScopeOperation)
		}
	}
	_, err = m.opts.Trigger(ctx, in.TenantID, in.ID)
	return err
}

// HandleLifecycle is the handler of JobLifecycle jobs: it decodes the
// job and runs Lifecycle. Register adds it to a queue.Mux.
func (m *Manager) HandleLifecycle(ctx context.Context, job *queue.Job) error {
	var p lifecycleJob
	if err := job.Decode(&p); err != nil {
		return fmt.Errorf("%w: pushwatch: lifecycle payload: %w", queue.ErrSkipRetry, err)
	}
	return m.Lifecycle(ctx, p.TenantID, p.IntegrationID, p.SubscriptionID, webhook.GraphLifecycleEvent(p.Event))
}

// reauthorize answers reauthorizationRequired for in's subscription.
func (m *Manager) reauthorize(ctx context.Context, in *store.Integration, subscriptionID string) error {
	c, err := m.opts.Connect(ctx, in)
	if err != nil {
		return err
	}
	defer closeConnector(c)
	if r, ok := c.(Reauthorizer); ok {
		return r.Reauthorize(ctx, subscriptionID)
	}
	return nil
}
