package gmail

import (
	"context"
	"errors"
	"time"

	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/ucsp/integration/connector"
)

// WatchLifetime is how long a Gmail watch lasts unless renewed.
const WatchLifetime = 7 * 24 * time.Hour

// WatchRenewAfter is how old a watch may get before NeedsRenewal says to
// renew it: Google asks for a renewal at least every 7 days and
// recommends one a day.
const WatchRenewAfter = 24 * time.Hour

// Watch makes (or renews: calling it again replaces the watch)
// users.watch on req.Topic, a Pub/Sub topic "projects/P/topics/T" that
// gmail-api-push@system.gserviceaccount.com may publish to, for
// Config.Label (every label with AllMail). Gmail then pushes
// {emailAddress, historyId} to the topic on changes, at most about once
// a second per mailbox; pushes can be late or lost, so keep syncing on
// a schedule too. The Subscription's Expiry is Gmail's expiration
// (about 7 days); renew daily (NeedsRenewal). Its Cursor is a cursor of
// this package at the watch's historyId, for a mailbox never synced.
func (c *Connector) Watch(ctx context.Context, req connector.WatchRequest) (*connector.Subscription, error) {
	if req.Topic == "" {
		return nil, &ConfigError{Context: configContext, Fields: []connector.FieldError{{Field: "topic", Message: "is required: the Pub/Sub topic Gmail pushes to"}}}
	}
	wr := &gmailapi.WatchRequest{TopicName: req.Topic}
	resource := AllMail
	if c.cfg.Label != AllMail {
		wr.LabelIds, wr.LabelFilterBehavior = []string{c.cfg.Label}, "include"
		resource = c.cfg.Label
	}
	var resp *gmailapi.WatchResponse
	err := c.call(ctx, "users.watch", retryAll, func(ctx context.Context) error {
		var err error
		resp, err = c.svc.Users.Watch(me, wr).Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, err
	}
	return &connector.Subscription{
		Resource: resource,
		Expiry:   time.UnixMilli(resp.Expiration).UTC(),
		Cursor:   cursor{historyID: resp.HistoryId}.encode(),
	}, nil
}

// Unwatch stops the mailbox's push notifications (users.stop). Stopping
// a mailbox that has no watch is not an error.
func (c *Connector) Unwatch(ctx context.Context, _ *connector.Subscription) error {
	err := c.call(ctx, "users.stop", retryAll, func(ctx context.Context) error {
		return c.svc.Users.Stop(me).Context(ctx).Do()
	})
	if isNotFound(err) {
		return nil
	}
	return err
}

// NeedsRenewal reports whether the watch sub should be renewed at now:
// it is missing, expired, or was made (or renewed) WatchRenewAfter ago
// or more, going by its Expiry.
func NeedsRenewal(sub *connector.Subscription, now time.Time) bool {
	if sub == nil || sub.Expiry.IsZero() {
		return true
	}
	return sub.Expiry.Sub(now) <= WatchLifetime-WatchRenewAfter
}

func isNotFound(err error) bool { return errors.Is(err, connector.ErrNotFound) }
