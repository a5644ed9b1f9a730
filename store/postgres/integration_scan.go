package postgres

import (
	"context"
	"fmt"

	"github.com/ucsp/integration/store"
)

// ScanIntegrations pages through every tenant's integrations in id
// order; see store.IntegrationStore.
func (s *Store) ScanIntegrations(ctx context.Context, opts store.ListIntegrationsOptions) (*store.Page[*store.Integration], error) {
	const op = "scan integrations"
	limit, after, err := pageAfterID(op, opts.ListOptions)
	if err != nil {
		return nil, err
	}
	if opts.Status != "" && !opts.Status.Valid() {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("status", fmt.Sprintf("%q is not a valid status", opts.Status)))
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+integrationColumns+` FROM integrations
		WHERE id > $1 AND ($2 = '' OR provider = $2) AND ($3 = '' OR status = $3)
		ORDER BY id LIMIT $4`,
		after, opts.Provider, string(opts.Status), limit+1)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	items, err := collect(rows, scanIntegration)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return newPage(items, limit, func(in *store.Integration) string { return in.ID }), nil
}
