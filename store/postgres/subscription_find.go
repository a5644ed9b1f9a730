package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ucsp/integration/store"
)

// FindSubscription returns the subscription of provider whose ID is id,
// of any tenant, from subscriptions_provider_sub_id_key, or
// store.ErrNotFound. An id no row can hold ("", or text PostgreSQL
// cannot store) is store.ErrNotFound without a query: it comes from a
// notification anyone may send.
func (s *Store) FindSubscription(ctx context.Context, provider, id string) (*store.Subscription, error) {
	const op = "find subscription"
	if id == "" || !storable(id) || !storable(provider) {
		return nil, notFound(op)
	}
	sub, err := s.scanSubscription(s.pool.QueryRow(ctx, `
		SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE provider = $1 AND sub_id = $2 AND sub_id <> ''`, provider, id))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return sub, nil
}

// FindSubscriptionsByAddress returns the subscriptions of provider whose
// address is address lower-cased, of every tenant, in integration id
// order, from subscriptions_provider_address_idx. An address no row can
// hold finds none without a query.
func (s *Store) FindSubscriptionsByAddress(ctx context.Context, provider, address string) ([]*store.Subscription, error) {
	const op = "find subscriptions by address"
	address = strings.ToLower(address)
	if address == "" || !storable(address) || !storable(provider) {
		return []*store.Subscription{}, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE provider = $1 AND address = $2 AND address <> ''
		ORDER BY integration_id`, provider, address)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	subs, err := collect(rows, s.scanSubscription)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return subs, nil
}

// DueSubscriptions returns up to limit subscriptions of every tenant
// whose expiry is before before, soonest first and then in integration
// id order, from subscriptions_expiry_idx. A limit of 0 or less is
// store.ErrInvalid.
func (s *Store) DueSubscriptions(ctx context.Context, before time.Time, limit int) ([]*store.Subscription, error) {
	const op = "due subscriptions"
	if limit <= 0 {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("limit", "must be positive"))
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE expiry < $1
		ORDER BY expiry, integration_id LIMIT $2`, before, limit)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	subs, err := collect(rows, s.scanSubscription)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return subs, nil
}

// FindSubscriptions returns the subscriptions of provider whose ID is in
// ids, of any tenant, by ID, in one query on
// subscriptions_provider_sub_id_key. Ids no row can hold are left out
// of the query; when none is left there is no query.
func (s *Store) FindSubscriptions(ctx context.Context, provider string, ids []string) (map[string]*store.Subscription, error) {
	const op = "find subscriptions"
	if len(ids) > store.MaxFindSubscriptions {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("ids", fmt.Sprintf("must be at most %d", store.MaxFindSubscriptions)))
	}
	wanted := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && storable(id) && !slices.Contains(wanted, id) {
			wanted = append(wanted, id)
		}
	}
	out := make(map[string]*store.Subscription, len(wanted))
	if len(wanted) == 0 || !storable(provider) {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE provider = $1 AND sub_id = ANY($2) AND sub_id <> ''`, provider, wanted)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	subs, err := collect(rows, s.scanSubscription)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	for _, sub := range subs {
		out[sub.ID] = sub
	}
	return out, nil
}
