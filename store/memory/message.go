package memory

import (
	"context"

	"github.com/ucsp/integration/store"
)

// GetMessage returns the message id of the tenant's integration, or
// store.ErrNotFound. A message marked deleted is returned too.
func (s *Store) GetMessage(ctx context.Context, tenantID, integrationID, id string) (*store.Message, error) {
	return s.getMessage(ctx, tenantID, integrationID, func(m *messageTable) *store.Message {
		return m.byID[normID(id)]
	})
}

// GetMessageByProviderID returns the message of the tenant's integration
// whose provider id is providerID, or store.ErrNotFound. A message marked
// deleted is returned too.
func (s *Store) GetMessageByProviderID(ctx context.Context, tenantID, integrationID, providerID string) (*store.Message, error) {
	return s.getMessage(ctx, tenantID, integrationID, func(m *messageTable) *store.Message {
		return m.byProvider[providerID]
	})
}

func (s *Store) getMessage(ctx context.Context, tenantID, integrationID string, find func(*messageTable) *store.Message) (*store.Message, error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	var out *store.Message
	err := s.read(ctx, func(t *tables) error {
		row := t.integration(tenantID, integrationID)
		if row == nil {
			return notFound("integration")
		}
		m := find(&row.msgs)
		if m == nil {
			return notFound("message")
		}
		out = cloneMessage(m)
		return nil
	})
	return out, err
}

// ListMessages pages through the messages of the tenant's integration in
// the order they were stored (id order), leaving out those marked
// deleted unless opts.IncludeDeleted. An unknown integration is
// store.ErrNotFound.
func (s *Store) ListMessages(ctx context.Context, tenantID, integrationID string, opts store.ListMessagesOptions) (*store.Page[*store.Message], error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	limit, after, err := idCursor(opts.ListOptions)
	if err != nil {
		return nil, err
	}
	var p *store.Page[*store.Message]
	err = s.read(ctx, func(t *tables) error {
		row := t.integration(tenantID, integrationID)
		if row == nil {
			return notFound("integration")
		}
		p = collect(idsAfter(row.msgs.ids, after), limit,
			func(id string) bool { return opts.IncludeDeleted || row.msgs.byID[id].DeletedAt.IsZero() },
			func(id string) *store.Message { return cloneMessage(row.msgs.byID[id]) },
			func(id string) string { return id })
		return nil
	})
	return p, err
}

// CountMessages counts the messages of the tenant's integration that are
// not marked deleted. An unknown integration is store.ErrNotFound.
func (s *Store) CountMessages(ctx context.Context, tenantID, integrationID string) (int64, error) {
	if err := requireTenant(tenantID); err != nil {
		return 0, err
	}
	var n int64
	err := s.read(ctx, func(t *tables) error {
		row := t.integration(tenantID, integrationID)
		if row == nil {
			return notFound("integration")
		}
		for _, m := range row.msgs.byID {
			if m.DeletedAt.IsZero() {
				n++
			}
		}
		return nil
	})
	return n, err
}
