package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ucsp/integration/store"
)

// CountIntegrations counts every tenant's integrations by provider and
// status, in one aggregate query.
func (s *Store) CountIntegrations(ctx context.Context) ([]store.IntegrationCount, error) {
	const op = "count integrations"
	rows, err := s.pool.Query(ctx, `
		SELECT provider, status, count(*) FROM integrations
		GROUP BY provider, status ORDER BY provider COLLATE "C", status COLLATE "C"`)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.IntegrationCount, error) {
		var c store.IntegrationCount
		var status string
		err := row.Scan(&c.Provider, &status, &c.Count)
		c.Status = store.IntegrationStatus(status)
		return c, err
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return out, nil
}
