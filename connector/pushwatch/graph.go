package pushwatch

import (
	"context"
	"slices"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// LookupGraph is the webhook.GraphOptions.Lookup of the Graph
// subscriptions a Manager made: one store query (FindSubscriptions) for
// the ids of a notification collection, each subscription with its
// clientState and, as its Data, its *store.Subscription, which
// GraphNotifications then routes by without a second lookup.
func (m *Manager) LookupGraph(ctx context.Context, ids []string) (map[string]webhook.GraphSubscription, error) {
	subs, err := m.store.FindSubscriptions(ctx, outlookProvider, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]webhook.GraphSubscription, len(subs))
	for id, sub := range subs {
		out[id] = webhook.GraphSubscription{ClientState: sub.ClientState, Data: sub}
	}
	return out, nil
}

// GraphNotifications queues the work of a verified notification
// collection (webhook.GraphBatchFromContext): a coalesced sync of the
// integration for a change, a JobLifecycle job for a lifecycle event.
// A collection often repeats itself: each integration's work is queued
// once. The notifications' subscriptions are those LookupGraph put in
// their Data; the others (a verifier built with
// webhook.GraphOptions.ClientState) are looked up in one query, and
// those the store does not know are dropped. It returns how much work
// it queued.
func (m *Manager) GraphNotifications(ctx context.Context, batch webhook.GraphBatch) (int, error) {
	subs, err := m.graphSubscriptions(ctx, batch.Notifications)
	if err != nil {
		return 0, err
	}
	done := make([]string, 0, 1)
	for _, n := range batch.Notifications {
		sub := subs[n.SubscriptionID]
		if sub == nil {
			continue
		}
		work := sub.IntegrationID + ":" + string(n.LifecycleEvent)
		if slices.Contains(done, work) {
			continue
		}
		if n.IsLifecycle() {
			job := lifecycleJob{TenantID: sub.TenantID, IntegrationID: sub.IntegrationID, SubscriptionID: sub.ID, Event: string(n.LifecycleEvent)}
			_, err = queue.EnqueueJSON(ctx, m.broker, JobLifecycle, job,
				queue.Unique("lifecycle:"+sub.IntegrationID+":"+job.Event), queue.MaxAttempts(m.maxAttempts))
		} else {
			_, err = m.opts.Trigger(ctx, sub.TenantID, sub.IntegrationID)
		}
		if err != nil {
			return len(done), err
		}
		done = append(done, work)
	}
	return len(done), nil
}

// graphSubscriptions returns the subscriptions of notifications by id:
// those their Data carries, and the others' from the store.
func (m *Manager) graphSubscriptions(ctx context.Context, notifications []webhook.GraphNotification) (map[string]*store.Subscription, error) {
	subs := make(map[string]*store.Subscription, 1)
	var missing []string
	asked := map[string]bool{}
	for _, n := range notifications {
		if sub, ok := n.Data.(*store.Subscription); ok && sub != nil {
			subs[n.SubscriptionID] = sub
		} else if !asked[n.SubscriptionID] {
			asked[n.SubscriptionID] = true
			missing = append(missing, n.SubscriptionID)
		}
	}
	for ids := range slices.Chunk(missing, store.MaxFindSubscriptions) {
		found, err := m.store.FindSubscriptions(ctx, outlookProvider, ids)
		if err != nil {
			return nil, err
		}
		for id, sub := range found {
			subs[id] = sub
		}
	}
	return subs, nil
}
