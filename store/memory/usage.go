package memory

import (
	"context"

	"github.com/ucsp/integration/store"
)

// CountTenantIntegrations returns how many integrations the tenant has.
func (s *Store) CountTenantIntegrations(ctx context.Context, tenantID string) (int64, error) {
	if err := requireTenant(tenantID); err != nil {
		return 0, err
	}
	var n int64
	err := s.read(ctx, func(t *tables) error {
		n = int64(len(t.tenantIntegrations[tenantID]))
		return nil
	})
	return n, err
}

// PendingOutbox returns what the tenant's pending outbox entries hold,
// from totals kept as entries are created, updated and deleted.
func (s *Store) PendingOutbox(ctx context.Context, tenantID string) (store.OutboxUsage, error) {
	if err := requireTenant(tenantID); err != nil {
		return store.OutboxUsage{}, err
	}
	var u store.OutboxUsage
	err := s.read(ctx, func(t *tables) error {
		u = t.pendingOutbox[tenantID]
		return nil
	})
	return u, err
}

// countOutbox adds e to its tenant's pending totals (sign 1) or takes it
// away (sign -1), if it is pending.
func (t *tables) countOutbox(e *store.OutboxEntry, sign int64) {
	if e.Status != store.OutboxPending {
		return
	}
	u := t.pendingOutbox[e.TenantID]
	u.Entries += sign
	u.Bytes += sign * store.MessageSize(&e.Message)
	if u.Entries == 0 {
		delete(t.pendingOutbox, e.TenantID)
		return
	}
	t.pendingOutbox[e.TenantID] = u
}
