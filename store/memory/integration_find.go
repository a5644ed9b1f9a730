package memory

import (
	"context"

	"github.com/ucsp/integration/store"
)

// FindIntegration returns the integration id of any tenant, or
// store.ErrNotFound.
func (s *Store) FindIntegration(ctx context.Context, id string) (*store.Integration, error) {
	var out *store.Integration
	err := s.read(ctx, func(t *tables) error {
		row := t.integrations[normID(id)]
		if row == nil {
			return notFound("integration")
		}
		out = cloneIntegration(&row.in)
		return nil
	})
	return out, err
}
