package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ucsp/integration/store"
)

// FindSubscription returns the subscription of provider whose ID is id,
// of any tenant, from the index by ID, or store.ErrNotFound.
func (s *Store) FindSubscription(ctx context.Context, provider, id string) (*store.Subscription, error) {
	var row *subscriptionRow
	err := s.read(ctx, func(t *tables) error {
		if id != "" {
			row = t.subscriptionIDs[subscriptionKey{provider, id}]
		}
		if row == nil {
			return notFound("subscription")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.openSubscription(row)
}

// FindSubscriptionsByAddress returns the subscriptions of provider whose
// Address is address lower-cased, of every tenant, in integration id
// order, from the index by address.
func (s *Store) FindSubscriptionsByAddress(ctx context.Context, provider, address string) ([]*store.Subscription, error) {
	var rows []*subscriptionRow
	err := s.read(ctx, func(t *tables) error {
		for _, id := range t.subscriptionAddresses[subscriptionKey{provider, strings.ToLower(address)}] {
			rows = append(rows, t.subscriptions[id])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.openSubscriptions(rows)
}

// DueSubscriptions returns up to limit subscriptions of every tenant
// whose Expiry is before before, soonest first and then in integration
// id order. It scans the subscriptions, as a renewal job that runs every
// few minutes can afford; a limit of 0 or less is store.ErrInvalid.
func (s *Store) DueSubscriptions(ctx context.Context, before time.Time, limit int) ([]*store.Subscription, error) {
	if limit <= 0 {
		return nil, invalid("limit", "must be positive")
	}
	var rows []*subscriptionRow
	err := s.read(ctx, func(t *tables) error {
		for _, row := range t.subscriptions {
			if row.sub.Expiry.Before(before) {
				rows = append(rows, row)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b *subscriptionRow) int {
		if c := a.sub.Expiry.Compare(b.sub.Expiry); c != 0 {
			return c
		}
		return strings.Compare(a.sub.IntegrationID, b.sub.IntegrationID)
	})
	return s.openSubscriptions(rows[:min(limit, len(rows))])
}

// FindSubscriptions returns the subscriptions of provider whose ID is in
// ids, of any tenant, by ID, from the index by ID, under one read lock.
func (s *Store) FindSubscriptions(ctx context.Context, provider string, ids []string) (map[string]*store.Subscription, error) {
	if len(ids) > store.MaxFindSubscriptions {
		return nil, invalid("ids", fmt.Sprintf("must be at most %d", store.MaxFindSubscriptions))
	}
	var rows []*subscriptionRow
	err := s.read(ctx, func(t *tables) error {
		for _, id := range ids {
			if row := t.subscriptionIDs[subscriptionKey{provider, id}]; id != "" && row != nil {
				rows = append(rows, row)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*store.Subscription, len(rows))
	for _, row := range rows {
		if _, dup := out[row.sub.ID]; dup {
			continue
		}
		sub, err := s.openSubscription(row)
		if err != nil {
			return nil, err
		}
		out[sub.ID] = sub
	}
	return out, nil
}
