package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

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
//
// Anyone can post here, so a request's cost is bounded: a collection of
// more than webhook.DefaultMaxGraphNotifications notifications is
// refused (413) before any lookup; the subscriptions of one are looked
// up in one query, each once, and not again to enqueue their work; and
// the made-up ones are charged to the sender's rate limit.
func (a *App) graphHandler() (http.Handler, error) {
	v, err := webhook.NewGraphVerifier(webhook.GraphOptions{
		Lookup: func(ctx context.Context, ids []string) (map[string]webhook.GraphSubscription, error) {
			subs, err := a.store.FindSubscriptions(ctx, providerOutlook, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[string]webhook.GraphSubscription, len(subs))
			for id, sub := range subs {
				out[id] = webhook.GraphSubscription{ClientState: sub.ClientState, Data: sub}
			}
			return out, nil
		},
		OnUnknown: func(w http.ResponseWriter, r *http.Request, unknown int) bool {
			return a.ingress.chargeUnknown(w, r, unknown)
		},
		MaxBodyBytes: a.cfg.MaxBodyBytes,
		Logger:       a.logger,
	})
	if err != nil {
		return nil, err
	}
	return v.Middleware(http.HandlerFunc(a.graphNotifications)), nil
}

// graphNotifications queues the work of a verified notification batch,
// whose notifications carry their subscriptions (the verifier's lookup
// put them there).
func (a *App) graphNotifications(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	batch, _ := webhook.GraphBatchFromContext(ctx)
	done := make([]string, 0, 1) // the work enqueued: a batch often repeats it
	for _, n := range batch.Notifications {
		sub, ok := n.Data.(*store.Subscription)
		if !ok {
			internalError(w, r, a.logger, "routing a Graph notification", errors.New("a verified notification without its subscription"))
			return
		}
		work := sub.IntegrationID + ":" + string(n.LifecycleEvent)
		if slices.Contains(done, work) {
			continue
		}
		done = append(done, work)
		var err error
		if n.IsLifecycle() {
			job := lifecycleJob{TenantID: sub.TenantID, IntegrationID: sub.IntegrationID, SubscriptionID: sub.ID, Event: string(n.LifecycleEvent)}
			_, err = queue.EnqueueJSON(ctx, a.broker, jobSubscriptionLifecycle, job,
				queue.Unique("lifecycle:"+sub.IntegrationID+":"+job.Event), queue.MaxAttempts(syncMaxAttempts))
		} else {
			_, err = a.syncs.Trigger(ctx, sub.TenantID, sub.IntegrationID)
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
			return a.syncs.JobError(ctx, in, "reauthorize subscription", err, syncrun.ScopeOperation)
		}
		return nil
	case webhook.GraphSubscriptionRemoved:
		if err := a.pushWatch(ctx, in, nil); err != nil {
			return a.syncs.JobError(ctx, in, "recreate subscription", err, syncrun.ScopeOperation)
		}
	}
	// Removed or missed: what happened meanwhile is in the delta.
	_, err = a.syncs.Trigger(ctx, in.TenantID, in.ID)
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
