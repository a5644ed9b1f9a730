package postgres

import (
	"context"

	"github.com/ucsp/integration/store"
)

// CountTenantIntegrations counts the tenant's integrations on the
// (tenant_id, id) index.
func (s *Store) CountTenantIntegrations(ctx context.Context, tenantID string) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM integrations WHERE tenant_id = $1`, tenantID).Scan(&n); err != nil {
		return 0, wrapErr("count tenant integrations", err)
	}
	return n, nil
}

// PendingOutbox totals the tenant's pending outbox entries on the
// partial index of pending entries (migration 0005).
func (s *Store) PendingOutbox(ctx context.Context, tenantID string) (store.OutboxUsage, error) {
	var u store.OutboxUsage
	err := s.pool.QueryRow(ctx, `
		SELECT count(*), coalesce(sum(size), 0)::bigint FROM outbox
		WHERE tenant_id = $1 AND status = 'pending'`, tenantID).Scan(&u.Entries, &u.Bytes)
	if err != nil {
		return store.OutboxUsage{}, wrapErr("pending outbox", err)
	}
	return u, nil
}
