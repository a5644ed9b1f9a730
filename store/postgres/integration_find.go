package postgres

import (
	"context"

	"github.com/ucsp/integration/store"
)

// FindIntegration returns the integration id of any tenant, or
// store.ErrNotFound.
func (s *Store) FindIntegration(ctx context.Context, id string) (*store.Integration, error) {
	const op = "find integration"
	if !store.ValidID(id) {
		return nil, notFound(op)
	}
	in, err := scanIntegration(s.pool.QueryRow(ctx,
		`SELECT `+integrationColumns+` FROM integrations WHERE id = $1`, id))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return in, nil
}
