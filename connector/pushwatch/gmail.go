package pushwatch

import (
	"context"
	"strings"
)

// GmailPush serves a verified Gmail push (webhook/pubsub; the address
// is its notification's emailAddress, gmail.ParseNotification): the
// mailbox gets a coalesced sync in every tenant that connected it. It
// returns how many integrations it triggered; none is not an error (a
// watch can outlive its integration by a few days).
func (m *Manager) GmailPush(ctx context.Context, address string) (int, error) {
	if address == "" {
		return 0, nil // names no mailbox (the records of failed watches have none)
	}
	subs, err := m.store.FindSubscriptionsByAddress(ctx, gmailProvider, strings.ToLower(address))
	if err != nil {
		return 0, err
	}
	for i, sub := range subs {
		if _, err := m.opts.Trigger(ctx, sub.TenantID, sub.IntegrationID); err != nil {
			return i, err
		}
	}
	return len(subs), nil
}
