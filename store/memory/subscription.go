package memory

import (
	"context"
	"fmt"
	"strings"

	"github.com/ucsp/integration/store"
)

// clientStateAAD binds a sealed client state to its integration, as
// store/postgres does: a ciphertext moved to another integration's
// subscription does not open.
func clientStateAAD(integrationID string) []byte {
	return []byte("subscription-client-state:" + integrationID)
}

// PutSubscription stores sub as the integration's only subscription,
// replacing the one it had, with sub.Address lower-cased and
// sub.ClientState sealed, and fills sub.CreatedAt (the replaced one's,
// on replace) and sub.UpdatedAt. A nil sub or a missing TenantID,
// IntegrationID, Provider or Expiry is store.ErrInvalid; an integration
// the tenant does not have is store.ErrNotFound; an ID that another
// integration's subscription of the provider holds is
// store.ErrConflict. On error nothing changes.
func (s *Store) PutSubscription(ctx context.Context, sub *store.Subscription) error {
	if err := validateSubscription(sub); err != nil {
		return err
	}
	c := *sub
	c.IntegrationID = normID(sub.IntegrationID)
	c.Address = strings.ToLower(sub.Address)
	c.ClientState = ""
	c.Expiry = storedTime(sub.Expiry)
	row := &subscriptionRow{sub: c}
	if sub.ClientState != "" {
		sealed, err := s.keyring.Seal([]byte(sub.ClientState), clientStateAAD(c.IntegrationID))
		if err != nil {
			return fmt.Errorf("memory: seal client state: %w", err)
		}
		row.clientState = sealed
	}
	return s.write(ctx, func(t *tables) error {
		if t.integration(c.TenantID, c.IntegrationID) == nil {
			return notFound("integration")
		}
		if c.ID != "" {
			holder := t.subscriptionIDs[subscriptionKey{c.Provider, c.ID}]
			if holder != nil && holder.sub.IntegrationID != c.IntegrationID {
				return fmt.Errorf("memory: subscription id is another integration's: %w", store.ErrConflict)
			}
		}
		now := s.now()
		row.sub.CreatedAt, row.sub.UpdatedAt = now, now
		if old := t.subscriptions[c.IntegrationID]; old != nil {
			row.sub.CreatedAt = old.sub.CreatedAt
			t.removeSubscription(old)
		}
		t.addSubscription(row)
		sub.CreatedAt, sub.UpdatedAt = row.sub.CreatedAt, row.sub.UpdatedAt
		return nil
	})
}

// GetSubscription returns the subscription of the tenant's integration,
// its client state unsealed, or store.ErrNotFound.
func (s *Store) GetSubscription(ctx context.Context, tenantID, integrationID string) (*store.Subscription, error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	var row *subscriptionRow
	err := s.read(ctx, func(t *tables) error {
		if row = t.subscription(tenantID, integrationID); row == nil {
			return notFound("subscription")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.openSubscription(row)
}

// DeleteSubscription removes the subscription of the tenant's
// integration, if it has one.
func (s *Store) DeleteSubscription(ctx context.Context, tenantID, integrationID string) error {
	if err := requireTenant(tenantID); err != nil {
		return err
	}
	return s.write(ctx, func(t *tables) error {
		if row := t.subscription(tenantID, integrationID); row != nil {
			t.removeSubscription(row)
		}
		return nil
	})
}

func validateSubscription(sub *store.Subscription) error {
	switch {
	case sub == nil:
		return invalid("subscription", "is required")
	case sub.TenantID == "":
		return invalid("tenant_id", "is required")
	case sub.IntegrationID == "":
		return invalid("integration_id", "is required")
	case sub.Provider == "":
		return invalid("provider", "is required")
	case sub.Expiry.IsZero():
		return invalid("expiry", "is required")
	}
	return nil
}

// openSubscription returns a copy of row's subscription with its client
// state unsealed. It needs no lock: rows are never changed in place.
func (s *Store) openSubscription(row *subscriptionRow) (*store.Subscription, error) {
	out := row.sub
	if !row.clientState.IsZero() {
		plain, err := s.keyring.Open(row.clientState, clientStateAAD(out.IntegrationID))
		if err != nil {
			return nil, fmt.Errorf("memory: client state of integration %s: %w", out.IntegrationID, err)
		}
		out.ClientState = string(plain)
		clear(plain)
	}
	return &out, nil
}

// openSubscriptions is openSubscription of each row, in order; none is
// an empty slice.
func (s *Store) openSubscriptions(rows []*subscriptionRow) ([]*store.Subscription, error) {
	out := make([]*store.Subscription, 0, len(rows))
	for _, row := range rows {
		sub, err := s.openSubscription(row)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, nil
}

// subscription returns the subscription of the tenant's integration id,
// or nil.
func (t *tables) subscription(tenantID, integrationID string) *subscriptionRow {
	row := t.subscriptions[normID(integrationID)]
	if row == nil || row.sub.TenantID != tenantID {
		return nil
	}
	return row
}

// addSubscription stores row, whose integration has none, and indexes
// it by ID and address.
func (t *tables) addSubscription(row *subscriptionRow) {
	sub := &row.sub
	t.subscriptions[sub.IntegrationID] = row
	if sub.ID != "" {
		t.subscriptionIDs[subscriptionKey{sub.Provider, sub.ID}] = row
	}
	if sub.Address != "" {
		key := subscriptionKey{sub.Provider, sub.Address}
		t.subscriptionAddresses[key] = insertSorted(t.subscriptionAddresses[key], sub.IntegrationID)
	}
}

// removeSubscription removes the stored row and its index entries.
func (t *tables) removeSubscription(row *subscriptionRow) {
	sub := &row.sub
	delete(t.subscriptions, sub.IntegrationID)
	if key := (subscriptionKey{sub.Provider, sub.ID}); sub.ID != "" && t.subscriptionIDs[key] == row {
		delete(t.subscriptionIDs, key)
	}
	if sub.Address != "" {
		key := subscriptionKey{sub.Provider, sub.Address}
		if ids := removeSorted(t.subscriptionAddresses[key], sub.IntegrationID); len(ids) > 0 {
			t.subscriptionAddresses[key] = ids
		} else {
			delete(t.subscriptionAddresses, key)
		}
	}
}
