package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// jobSubscriptionLifecycle acts on a Graph lifecycle notification:
// reauthorize a subscription (reauthorizationRequired), make a new one
// and sync (subscriptionRemoved), or sync (missed).
const jobSubscriptionLifecycle = "subscription-lifecycle"

// lifecycleJob is a jobSubscriptionLifecycle's payload.
type lifecycleJob struct {
	TenantID       string `json:"tenant_id"`
	IntegrationID  string `json:"integration_id"`
	SubscriptionID string `json:"subscription_id"`
	Event          string `json:"event"`
}

// graphHandler returns POST /webhooks/microsoft and
// /webhooks/microsoft/lifecycle: Graph's validation handshake is
// answered, every notification's clientState is checked against its
// subscription's (sealed in the store) before anything is done, and
// each verified notification enqueues work: a coalesced delta sync for
// a change, a lifecycle job for a lifecycle event. Graph gets its 202 as
// soon as the work is queued.
func (a *App) graphHandler() (http.Handler, error) {
	v, err := webhook.NewGraphVerifier(webhook.GraphOptions{
		ClientState: func(ctx context.Context, id string) (string, bool, error) {
			sub, err := a.store.FindSubscription(ctx, providerOutlook, id)
			switch {
			case errors.Is(err, store.ErrNotFound):
				return "", false, nil
			case err != nil:
				return "", false, err
			}
			return sub.ClientState, true, nil
		},
		MaxBodyBytes: a.cfg.MaxBodyBytes,
		Logger:       a.logger,
	})
	if err != nil {
		return nil, err
	}
	return v.Middleware(http.HandlerFunc(a.graphNotifications)), nil
}

// graphNotifications queues the work of a verified notification batch.
func (a *App) graphNotifications(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	batch, _ := webhook.GraphBatchFromContext(ctx)
	for _, n := range batch.Notifications {
		sub, err := a.store.FindSubscription(ctx, providerOutlook, n.SubscriptionID)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since the verifier found it
		} else if err != nil {
			internalError(w, r, a.logger, "finding a Graph subscription", err)
			return
		}
		if n.IsLifecycle() {
			job := lifecycleJob{TenantID: sub.TenantID, IntegrationID: sub.IntegrationID, SubscriptionID: sub.ID, Event: string(n.LifecycleEvent)}
			_, err = queue.EnqueueJSON(ctx, a.broker, jobSubscriptionLifecycle, job,
				queue.Unique("lifecycle:"+sub.IntegrationID+":"+job.Event), queue.MaxAttempts(syncMaxAttempts))
		} else {
			_, err = a.enqueueSync(ctx, sub.TenantID, sub.IntegrationID)
		}
		if err != nil {
			internalError(w, r, a.logger, "enqueueing the work of a Graph notification", err)
			return
		}
	}
}

// runSubscriptionLifecycle acts on a lifecycle event of an integration's
// subscription.
func (a *App) runSubscriptionLifecycle(ctx context.Context, job *queue.Job) error {
	var p lifecycleJob
	if err := job.Decode(&p); err != nil {
		return fmt.Errorf("%w: lifecycle payload: %w", queue.ErrSkipRetry, err)
	}
	in, err := a.store.GetIntegration(ctx, p.TenantID, p.IntegrationID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case in.Status == store.StatusDisabled:
		return nil
	}
	switch webhook.GraphLifecycleEvent(p.Event) {
	case webhook.GraphReauthorizationRequired:
		if err := a.reauthorize(ctx, in, p.SubscriptionID); err != nil {
			return a.jobError(ctx, in, "reauthorize subscription", err, false)
		}
		return nil
	case webhook.GraphSubscriptionRemoved:
		if err := a.pushWatch(ctx, in, nil); err != nil {
			return a.jobError(ctx, in, "recreate subscription", err, false)
		}
	}
	// Removed or missed: what happened meanwhile is in the delta.
	_, err = a.enqueueSync(ctx, in.TenantID, in.ID)
	return err
}

// reauthorizer is a connector whose push registration can be
// reauthorized (Graph).
type reauthorizer interface {
	Reauthorize(ctx context.Context, subscriptionID string) error
}

// reauthorize answers reauthorizationRequired for in's subscription.
func (a *App) reauthorize(ctx context.Context, in *store.Integration, subscriptionID string) error {
	c, err := a.buildConnector(ctx, in)
	if err != nil {
		return err
	}
	defer closeConnector(c)
	if r, ok := c.(reauthorizer); ok {
		return r.Reauthorize(ctx, subscriptionID)
	}
	return nil
}
