package memory

import (
	"context"
	"fmt"

	"github.com/ucsp/integration/store"
)

// CreateOutbox stores e, filling in place its ID, CreatedAt, UpdatedAt,
// and Status (pending) when empty, and returns a copy with created ==
// true. If the tenant already has an entry with e.IdempotencyKey it
// stores nothing: it returns that entry with created == false when it is
// for the same integration with the same RequestHash, and
// store.ErrIdempotencyConflict otherwise. TenantID, IntegrationID,
// IdempotencyKey and RequestHash are required (store.ErrInvalid); the
// integration must be one of the tenant's (store.ErrNotFound).
func (s *Store) CreateOutbox(ctx context.Context, e *store.OutboxEntry) (*store.OutboxEntry, bool, error) {
	if e == nil {
		return nil, false, invalid("outbox", "is required")
	}
	c := cloneOutbox(e)
	c.IntegrationID = normID(c.IntegrationID)
	if c.Status == "" {
		c.Status = store.OutboxPending
	}
	switch {
	case c.TenantID == "":
		return nil, false, invalid("tenant_id", "is required")
	case c.IntegrationID == "":
		return nil, false, invalid("integration_id", "is required")
	case c.IdempotencyKey == "":
		return nil, false, invalid("idempotency_key", "is required")
	case c.RequestHash == "":
		return nil, false, invalid("request_hash", "is required")
	}
	if err := validateOutbox(c); err != nil {
		return nil, false, err
	}
	var (
		out     *store.OutboxEntry
		created bool
	)
	err := s.write(ctx, func(t *tables) error {
		if t.integration(c.TenantID, c.IntegrationID) == nil {
			return notFound("integration")
		}
		key := outboxKey{c.TenantID, c.IdempotencyKey}
		if old := t.outboxKeys[key]; old != nil {
			if old.entry.IntegrationID != c.IntegrationID || old.entry.RequestHash != c.RequestHash {
				return fmt.Errorf("memory: outbox: %w", store.ErrIdempotencyConflict)
			}
			out = cloneOutbox(&old.entry)
			return nil
		}
		now := s.now()
		c.ID = store.NewID()
		c.CreatedAt, c.UpdatedAt = now, now
		c.SentAt = storedTime(c.SentAt)
		row := &outboxRow{entry: *c, update: newRowLock()}
		t.outbox[c.ID] = row
		t.outboxKeys[key] = row
		t.countOutbox(c, 1)
		e.ID, e.Status, e.CreatedAt, e.UpdatedAt = c.ID, c.Status, c.CreatedAt, c.UpdatedAt
		out, created = cloneOutbox(c), true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// GetOutbox returns the tenant's outbox entry id, or store.ErrNotFound.
func (s *Store) GetOutbox(ctx context.Context, tenantID, id string) (*store.OutboxEntry, error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	var out *store.OutboxEntry
	err := s.read(ctx, func(t *tables) error {
		row := t.outboxEntry(tenantID, id)
		if row == nil {
			return notFound("outbox entry")
		}
		out = cloneOutbox(&row.entry)
		return nil
	})
	return out, err
}

// UpdateOutbox calls fn with a copy of the tenant's outbox entry id and
// stores what fn made of it (setting UpdatedAt) together with the events
// fn returns, as InsertEvents stores them (with the entry's tenant and
// integration when theirs are empty). Concurrent updates of one entry run
// one after the other; fn runs without the store's lock, so it may read
// the store, but must not update this entry. An error from fn is returned
// as it is and changes nothing. fn must not change ID, TenantID,
// IntegrationID, IdempotencyKey, RequestHash or CreatedAt
// (store.ErrInvalid).
func (s *Store) UpdateOutbox(ctx context.Context, tenantID, id string, fn func(*store.OutboxEntry) ([]*store.Event, error)) (*store.OutboxEntry, error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, invalid("fn", "is required")
	}
	var row *outboxRow
	if err := s.read(ctx, func(t *tables) error {
		if row = t.outboxEntry(tenantID, id); row == nil {
			return notFound("outbox entry")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := row.update.lock(ctx); err != nil {
		return nil, err
	}
	defer row.update.unlock()

	var before *store.OutboxEntry
	if err := s.read(ctx, func(t *tables) error {
		if t.outbox[row.entry.ID] != row {
			return notFound("outbox entry")
		}
		before = cloneOutbox(&row.entry)
		return nil
	}); err != nil {
		return nil, err
	}
	after := cloneOutbox(before)
	events, err := fn(after)
	if err != nil {
		return nil, err
	}
	if err := checkOutboxImmutable(before, after); err != nil {
		return nil, err
	}
	if err := validateOutbox(after); err != nil {
		return nil, err
	}
	c := cloneOutbox(after)
	c.CreatedAt = before.CreatedAt
	err = s.write(ctx, func(t *tables) error {
		if t.outbox[row.entry.ID] != row {
			return notFound("outbox entry")
		}
		now := s.now()
		batch, err := t.prepareEvents(events, eventScope{tenantID: c.TenantID, integrationID: c.IntegrationID}, now)
		if err != nil {
			return err
		}
		c.UpdatedAt = now
		c.SentAt = storedTime(c.SentAt)
		t.countOutbox(&row.entry, -1)
		row.entry = *c
		t.countOutbox(&row.entry, 1)
		t.storeEvents(batch)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cloneOutbox(c), nil
}

// outboxEntry returns the tenant's outbox entry id, or nil.
func (t *tables) outboxEntry(tenantID, id string) *outboxRow {
	row := t.outbox[normID(id)]
	if row == nil || row.entry.TenantID != tenantID {
		return nil
	}
	return row
}

func checkOutboxImmutable(before, after *store.OutboxEntry) error {
	switch {
	case after.ID != before.ID:
		return invalid("id", "must not change")
	case after.TenantID != before.TenantID:
		return invalid("tenant_id", "must not change")
	case after.IntegrationID != before.IntegrationID:
		return invalid("integration_id", "must not change")
	case after.IdempotencyKey != before.IdempotencyKey:
		return invalid("idempotency_key", "must not change")
	case after.RequestHash != before.RequestHash:
		return invalid("request_hash", "must not change")
	case !after.CreatedAt.Equal(before.CreatedAt):
		return invalid("created_at", "must not change")
	}
	return nil
}

func validateOutbox(e *store.OutboxEntry) error {
	switch e.Status {
	case store.OutboxPending, store.OutboxSent, store.OutboxFailed:
	default:
		return invalid("status", "is not a known outbox status")
	}
	if e.Attempts < 0 {
		return invalid("attempts", "must not be negative")
	}
	return nil
}
