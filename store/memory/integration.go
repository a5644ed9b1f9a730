package memory

import (
	"context"
	"slices"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/internal/validjson"
)

// The health states of store.Health.Status.
const (
	healthUnknown = "unknown"
	healthOK      = "ok"
	healthFailing = "failing"
)

// CreateIntegration stores in with creds sealed, filling in.ID,
// in.CreatedAt, in.UpdatedAt, and in.Status and in.Health.Status when
// empty. An invalid in (a missing TenantID, Provider or Name, an unknown
// status, a Config that is not JSON) is store.ErrInvalid; in is then left
// as it was.
func (s *Store) CreateIntegration(ctx context.Context, in *store.Integration, creds connector.Credentials) error {
	if in == nil {
		return invalid("integration", "is required")
	}
	c := cloneIntegration(in)
	if c.Status == "" {
		c.Status = store.StatusActive
	}
	if c.Health.Status == "" {
		c.Health.Status = healthUnknown
	}
	if err := validateIntegration(c); err != nil {
		return err
	}
	return s.write(ctx, func(t *tables) error {
		c.ID = store.NewID()
		sealed, err := s.sealCredentials(c.ID, creds)
		if err != nil {
			return err
		}
		now := s.now()
		c.CreatedAt, c.UpdatedAt = now, now
		normalizeIntegrationTimes(c)
		row := &integrationRow{in: *c, creds: sealed, update: newRowLock(), commit: newRowLock()}
		t.integrations[c.ID] = row
		t.tenantIntegrations[c.TenantID] = insertSorted(t.tenantIntegrations[c.TenantID], c.ID)
		*in = *cloneIntegration(c)
		return nil
	})
}

// GetIntegration returns the tenant's integration id, or store.ErrNotFound.
func (s *Store) GetIntegration(ctx context.Context, tenantID, id string) (*store.Integration, error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	var out *store.Integration
	err := s.read(ctx, func(t *tables) error {
		row := t.integration(tenantID, id)
		if row == nil {
			return notFound("integration")
		}
		out = cloneIntegration(&row.in)
		return nil
	})
	return out, err
}

// ListIntegrations pages through the tenant's integrations in creation
// (id) order, keeping those that match opts.Provider and opts.Status when
// set. An unknown opts.Status is store.ErrInvalid.
func (s *Store) ListIntegrations(ctx context.Context, tenantID string, opts store.ListIntegrationsOptions) (*store.Page[*store.Integration], error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	if opts.Status != "" && !opts.Status.Valid() {
		return nil, invalid("status", "is not a known integration status")
	}
	limit, after, err := idCursor(opts.ListOptions)
	if err != nil {
		return nil, err
	}
	var p *store.Page[*store.Integration]
	err = s.read(ctx, func(t *tables) error {
		p = collect(idsAfter(t.tenantIntegrations[tenantID], after), limit,
			func(id string) bool {
				in := &t.integrations[id].in
				return (opts.Provider == "" || in.Provider == opts.Provider) &&
					(opts.Status == "" || in.Status == opts.Status)
			},
			func(id string) *store.Integration { return cloneIntegration(&t.integrations[id].in) },
			func(id string) string { return id })
		return nil
	})
	return p, err
}

// UpdateIntegration calls fn with a copy of the tenant's integration id
// and stores what fn made of it, setting UpdatedAt. Concurrent updates of
// one integration run one after the other, each fn seeing the result of
// the previous one; fn runs without the store's lock, so it may read the
// store, but must not update this integration or commit a sync for it.
// An error from fn is returned as it is and changes nothing. fn must not
// change ID, TenantID or CreatedAt, and must leave the integration valid
// (store.ErrInvalid).
func (s *Store) UpdateIntegration(ctx context.Context, tenantID, id string, fn func(*store.Integration) error) (*store.Integration, error) {
	if fn == nil {
		return nil, invalid("fn", "is required")
	}
	return s.UpdateIntegrationWithEvents(ctx, tenantID, id, func(in *store.Integration) ([]*store.Event, error) {
		return nil, fn(in)
	})
}

// UpdateIntegrationWithEvents is UpdateIntegration whose change and
// events are stored at once; see store.IntegrationStore.
func (s *Store) UpdateIntegrationWithEvents(ctx context.Context, tenantID, id string, fn func(*store.Integration) ([]*store.Event, error)) (*store.Integration, error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, invalid("fn", "is required")
	}
	row, err := s.lookupIntegration(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if err := row.update.lock(ctx); err != nil {
		return nil, err
	}
	defer row.update.unlock()

	var before *store.Integration
	if err := s.read(ctx, func(t *tables) error {
		if !t.current(row) {
			return notFound("integration")
		}
		before = cloneIntegration(&row.in)
		return nil
	}); err != nil {
		return nil, err
	}
	after := cloneIntegration(before)
	events, err := fn(after)
	if err != nil {
		return nil, err
	}
	switch {
	case after.ID != before.ID:
		return nil, invalid("id", "must not change")
	case after.TenantID != before.TenantID:
		return nil, invalid("tenant_id", "must not change")
	case !after.CreatedAt.Equal(before.CreatedAt):
		return nil, invalid("created_at", "must not change")
	}
	if err := validateIntegration(after); err != nil {
		return nil, err
	}
	c := cloneIntegration(after)
	c.CreatedAt = before.CreatedAt
	err = s.write(ctx, func(t *tables) error {
		if !t.current(row) {
			return notFound("integration")
		}
		c.UpdatedAt = s.now()
		batch, err := t.prepareEvents(events, eventScope{tenantID: tenantID, integrationID: row.in.ID}, c.UpdatedAt)
		if err != nil {
			return err
		}
		normalizeIntegrationTimes(c)
		row.in = *c
		t.storeEvents(batch)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cloneIntegration(c), nil
}

// DeleteIntegration removes the tenant's integration id and everything
// stored for it: credentials, sync state, messages, outbox entries,
// events, pending OAuth states and its push subscription.
func (s *Store) DeleteIntegration(ctx context.Context, tenantID, id string) error {
	if err := requireTenant(tenantID); err != nil {
		return err
	}
	return s.write(ctx, func(t *tables) error {
		row := t.integration(tenantID, id)
		if row == nil {
			return notFound("integration")
		}
		id := row.in.ID
		delete(t.integrations, id)
		t.tenantIntegrations[tenantID] = removeSorted(t.tenantIntegrations[tenantID], id)
		if len(t.tenantIntegrations[tenantID]) == 0 {
			delete(t.tenantIntegrations, tenantID)
		}
		for oid, o := range t.outbox {
			if o.entry.IntegrationID == id {
				t.countOutbox(&o.entry, -1)
				delete(t.outbox, oid)
				delete(t.outboxKeys, outboxKey{o.entry.TenantID, o.entry.IdempotencyKey})
			}
		}
		ofIntegration := func(e *eventRow) bool { return e.ev.IntegrationID == id }
		for _, e := range t.tenantEvents[tenantID] {
			if ofIntegration(e) {
				delete(t.events, e.ev.ID)
				delete(t.pendingEvents, e.ev.ID)
			}
		}
		t.tenantEvents[tenantID] = slices.DeleteFunc(t.tenantEvents[tenantID], ofIntegration)
		for h, o := range t.oauthStates {
			if o.integrationID == id {
				delete(t.oauthStates, h)
			}
		}
		if sub := t.subscriptions[id]; sub != nil {
			t.removeSubscription(sub)
		}
		return nil
	})
}

// lookupIntegration returns the row of the tenant's integration id, to
// lock it before reading it.
func (s *Store) lookupIntegration(ctx context.Context, tenantID, id string) (*integrationRow, error) {
	var row *integrationRow
	err := s.read(ctx, func(t *tables) error {
		if row = t.integration(tenantID, id); row == nil {
			return notFound("integration")
		}
		return nil
	})
	return row, err
}

func validateIntegration(in *store.Integration) error {
	switch {
	case in.TenantID == "":
		return invalid("tenant_id", "is required")
	case in.Provider == "":
		return invalid("provider", "is required")
	case in.Name == "":
		return invalid("name", "is required")
	case !in.Status.Valid():
		return invalid("status", "is not a known integration status")
	case len(in.Config) > 0 && !validjson.Valid(in.Config):
		return invalid("config", "is not valid JSON")
	}
	switch in.Health.Status {
	case healthUnknown, healthOK, healthFailing:
	default:
		return invalid("health.status", `must be "unknown", "ok" or "failing"`)
	}
	return nil
}

func normalizeIntegrationTimes(in *store.Integration) {
	in.Health.CheckedAt = storedTime(in.Health.CheckedAt)
	in.LastSyncAt = storedTime(in.LastSyncAt)
	in.CreatedAt = storedTime(in.CreatedAt)
	in.UpdatedAt = storedTime(in.UpdatedAt)
}
