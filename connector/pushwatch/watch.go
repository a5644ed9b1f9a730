package pushwatch

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// Start makes in's push registration, when its provider pushes (see
// Options) and its connector is a connector.Watcher: call it once an
// integration is connected (after a sign-in). The registration replaces
// any stored one. A failure is logged and recorded as a registration
// due now, which Renew retries, except one of in's credentials, which
// marks in needs_reauth (Failures).
func (m *Manager) Start(ctx context.Context, in *store.Integration) {
	_, err := m.watch(ctx, in, nil, m.opts.Now())
	if err == nil {
		return
	}
	m.logger.WarnContext(ctx, "starting a mailbox's push registration failed; the renewal job retries", "integration_id", in.ID, "error", err)
	if errors.Is(err, connector.ErrAuth) {
		m.opts.Failures.MarkIntegration(ctx, in, store.StatusNeedsReauth, err)
		return
	}
	due := &store.Subscription{TenantID: in.TenantID, IntegrationID: in.ID, Provider: in.Provider,
		Address: strings.ToLower(m.opts.Address(in)), Expiry: m.opts.Now()}
	if err := m.store.PutSubscription(ctx, due); err != nil {
		m.logger.WarnContext(ctx, "recording a failed push registration failed", "integration_id", in.ID, "error", err)
	}
}

// Remove removes the push registration of the tenant's integration id
// at its provider, if it has one: call it before the integration is
// deleted (which deletes the stored registration with it), since a
// Graph subscription would otherwise notify for days. Best effort: a
// registration left behind expires, and its notifications name an
// unknown subscription.
func (m *Manager) Remove(ctx context.Context, tenant, id string) {
	sub, err := m.store.GetSubscription(ctx, tenant, id)
	if err != nil {
		return // none, or not readable: nothing to remove
	}
	in, err := m.store.GetIntegration(ctx, tenant, id)
	if err != nil {
		return
	}
	c, err := m.opts.Connect(ctx, in)
	if err != nil {
		return
	}
	defer closeConnector(c)
	if w, ok := c.(connector.Watcher); ok {
		if err := w.Unwatch(ctx, current(sub)); err != nil {
			m.logger.WarnContext(ctx, "removing a push registration failed; it will expire", "integration_id", id, "error", err)
		}
	}
}

// request returns the connector.WatchRequest of in's registration, or
// false when in's provider gets none. cur is the stored registration
// (nil: none, or make a new one), renewed when it has not expired at
// now.
func (m *Manager) request(in *store.Integration, cur *store.Subscription, now time.Time) (connector.WatchRequest, bool) {
	var req connector.WatchRequest
	switch {
	case in.Provider == gmailProvider && m.opts.GmailTopic != "":
		req.Topic = m.opts.GmailTopic
	case in.Provider == outlookProvider && m.opts.GraphNotificationURL != "":
		req.NotificationURL, req.LifecycleURL = m.opts.GraphNotificationURL, m.opts.GraphLifecycleURL
		req.ClientState = m.opts.NewClientState()
	default:
		return req, false
	}
	if cur == nil {
		return req, true
	}
	if cur.ID != "" && cur.ClientState != "" {
		req.ClientState = cur.ClientState
	}
	// A Graph registration without an id is the record of a failed
	// creation; a Gmail one never has an id.
	if !cur.Expiry.Before(now) && (cur.ID != "" || in.Provider == gmailProvider) {
		req.Current = current(cur)
	}
	return req, true
}

// watch creates (cur nil, or expired) or renews in's push registration
// at its provider and stores it, with its clientState sealed. It
// reports whether it did: not when in's provider gets no registration
// or its connector is not a connector.Watcher.
func (m *Manager) watch(ctx context.Context, in *store.Integration, cur *store.Subscription, now time.Time) (bool, error) {
	req, ok := m.request(in, cur, now)
	if !ok {
		return false, nil
	}
	c, err := m.opts.Connect(ctx, in)
	if err != nil {
		return false, err
	}
	defer closeConnector(c)
	w, ok := c.(connector.Watcher)
	if !ok {
		return false, nil
	}
	sub, err := w.Watch(ctx, req)
	if err != nil {
		return false, err
	}
	return true, m.store.PutSubscription(ctx, &store.Subscription{
		TenantID: in.TenantID, IntegrationID: in.ID, Provider: in.Provider,
		ID: sub.ID, Address: strings.ToLower(m.opts.Address(in)), Resource: sub.Resource,
		ClientState: req.ClientState, Cursor: string(sub.Cursor), Expiry: sub.Expiry,
	})
}

// current returns the stored registration sub as a connector's.
func current(sub *store.Subscription) *connector.Subscription {
	return &connector.Subscription{ID: sub.ID, Resource: sub.Resource, Expiry: sub.Expiry, Cursor: connector.Cursor(sub.Cursor)}
}

// closeConnector closes c if it holds resources.
func closeConnector(c connector.Connector) {
	if cl, ok := c.(io.Closer); ok {
		_ = cl.Close()
	}
}
