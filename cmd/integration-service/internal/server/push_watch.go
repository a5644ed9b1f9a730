package server

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/outlook"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// watchRenewBatch is how many subscriptions a renewal round reads at a
// time.
const watchRenewBatch = 100

func (a *App) runRenewWatches(ctx context.Context, _ *queue.Job) error {
	_, err := a.renewWatches(ctx, a.now())
	return err
}

// renewWatches renews the subscriptions due at now: those renewed (or
// made) gmail.WatchRenewAfter ago or more, expired ones, and those whose
// creation failed. It returns how many it renewed. An integration whose
// provider refuses its token ends needs_reauth; the others' failures are
// left for the next round.
func (a *App) renewWatches(ctx context.Context, now time.Time) (int, error) {
	before := now.Add(gmail.WatchLifetime - gmail.WatchRenewAfter)
	renewed := 0
	seen := map[string]bool{}
	for {
		due, err := a.store.DueSubscriptions(ctx, before, watchRenewBatch)
		if err != nil {
			return renewed, err
		}
		progress := false
		for _, sub := range due {
			if seen[sub.IntegrationID] {
				continue // failed this round; its next chance is the next round
			}
			seen[sub.IntegrationID] = true
			progress = true
			if err := a.renewOne(ctx, sub); err != nil {
				a.logger.WarnContext(ctx, "renewing a push registration failed", "integration_id", sub.IntegrationID, "error", err)
				continue
			}
			renewed++
		}
		if !progress || len(due) < watchRenewBatch {
			return renewed, nil
		}
	}
}

// renewOne renews sub's registration, or drops it when its integration
// is gone, disabled or waiting for reauthorization.
func (a *App) renewOne(ctx context.Context, sub *store.Subscription) error {
	in, err := a.store.GetIntegration(ctx, sub.TenantID, sub.IntegrationID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // deleted with it
	case err != nil:
		return err
	case in.Status == store.StatusDisabled || in.Status == store.StatusNeedsReauth:
		return a.store.DeleteSubscription(ctx, in.TenantID, in.ID) // made again when it is back
	}
	if err := a.pushWatch(ctx, in, sub); err != nil {
		return a.syncs.JobError(ctx, in, "watch", err, syncrun.ScopeOperation)
	}
	return nil
}

// startWatch makes in's first registration. A failure is logged and
// recorded as a registration due now, which the renewal job retries.
func (a *App) startWatch(ctx context.Context, in *store.Integration) {
	if !a.pushes(in.Provider) {
		return
	}
	err := a.pushWatch(ctx, in, nil)
	if err == nil {
		return
	}
	a.logger.WarnContext(ctx, "starting a mailbox's push registration failed; the renewal job retries", "integration_id", in.ID, "error", err)
	if errors.Is(err, connector.ErrAuth) {
		a.syncs.MarkIntegration(ctx, in, store.StatusNeedsReauth, err)
		return
	}
	due := &store.Subscription{TenantID: in.TenantID, IntegrationID: in.ID, Provider: in.Provider,
		Address: strings.ToLower(mailboxAddress(in.Provider, in.Config)), Expiry: a.now()}
	if err := a.store.PutSubscription(ctx, due); err != nil {
		a.logger.WarnContext(ctx, "recording a failed push registration failed", "integration_id", in.ID, "error", err)
	}
}

// pushes reports whether integrations of provider get a push
// registration: Gmail's with GMAIL_PUBSUB_TOPIC set, Graph's always.
// Without one, mail arrives through the catch-up sweep.
func (a *App) pushes(provider string) bool {
	return (provider == providerGmail && a.cfg.Gmail.Topic != "") || provider == providerOutlook
}

// pushWatch creates (cur nil, or expired) or renews in's push
// registration at its provider and stores it: a Gmail watch on
// GMAIL_PUBSUB_TOPIC, or a Graph subscription posting to
// /webhooks/microsoft (lifecycle events to /webhooks/microsoft/lifecycle)
// with a random clientState of its own, sealed in the store.
func (a *App) pushWatch(ctx context.Context, in *store.Integration, cur *store.Subscription) error {
	if !a.pushes(in.Provider) {
		return nil
	}
	c, err := a.buildConnector(ctx, in)
	if err != nil {
		return err
	}
	defer closeConnector(c)
	w, ok := c.(connector.Watcher)
	if !ok {
		return nil
	}
	base := a.cfg.PublicBaseURL.String()
	req := connector.WatchRequest{Topic: a.cfg.Gmail.Topic}
	if in.Provider == providerOutlook {
		req = connector.WatchRequest{NotificationURL: base + "/webhooks/microsoft", LifecycleURL: base + "/webhooks/microsoft/lifecycle", ClientState: outlook.NewClientState()}
	}
	if cur != nil && cur.ID != "" && cur.ClientState != "" {
		req.ClientState = cur.ClientState
	}
	if cur != nil && !cur.Expiry.Before(a.now()) && (cur.ID != "" || in.Provider == providerGmail) {
		req.Current = &connector.Subscription{ID: cur.ID, Resource: cur.Resource, Expiry: cur.Expiry, Cursor: connector.Cursor(cur.Cursor)}
	}
	sub, err := w.Watch(ctx, req)
	if err != nil {
		return err
	}
	return a.store.PutSubscription(ctx, &store.Subscription{
		TenantID: in.TenantID, IntegrationID: in.ID, Provider: in.Provider,
		ID: sub.ID, Address: strings.ToLower(mailboxAddress(in.Provider, in.Config)), Resource: sub.Resource,
		ClientState: req.ClientState, Cursor: string(sub.Cursor), Expiry: sub.Expiry,
	})
}

// unwatch removes the push registration of the tenant's integration id
// at its provider, if it has one, before the integration is deleted: a
// Graph subscription would otherwise notify for days. Best effort: a
// registration left behind expires, and its notifications are dropped.
func (a *App) unwatch(ctx context.Context, tenant, id string) {
	sub, err := a.store.GetSubscription(ctx, tenant, id)
	if err != nil {
		return // none, or not readable: nothing to remove
	}
	in, err := a.store.GetIntegration(ctx, tenant, id)
	if err != nil {
		return
	}
	c, err := a.buildConnector(ctx, in)
	if err != nil {
		return
	}
	defer closeConnector(c)
	if w, ok := c.(connector.Watcher); ok {
		cur := &connector.Subscription{ID: sub.ID, Resource: sub.Resource, Expiry: sub.Expiry, Cursor: connector.Cursor(sub.Cursor)}
		if err := w.Unwatch(ctx, cur); err != nil {
			a.logger.WarnContext(ctx, "removing a push registration failed; it will expire", "integration_id", id, "error", err)
		}
	}
}
