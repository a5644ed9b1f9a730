package memory

import (
	"context"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// SyncState returns the cursor and version of the tenant's integration
// (the zero SyncState before its first commit), or store.ErrNotFound.
func (s *Store) SyncState(ctx context.Context, tenantID, integrationID string) (store.SyncState, error) {
	if err := requireTenant(tenantID); err != nil {
		return store.SyncState{}, err
	}
	var st store.SyncState
	err := s.read(ctx, func(t *tables) error {
		row := t.integration(tenantID, integrationID)
		if row == nil {
			return notFound("integration")
		}
		st = row.sync
		return nil
	})
	return st, err
}

// CommitSync stores a batch's messages, changes, events and cursor, all
// or nothing, as store.SyncStore says.
//
// It works on copies until everything has succeeded: it checks the
// version (store.ErrConflict when another commit moved on), upserts the
// messages (deduplicated by provider id, the last copy in the batch
// winning, at the place of the first; a ref taken from the message that
// held it) and applies the changes to staged copies, resolving refs
// against the messages as the batch leaves them, calls c.Events with
// copies of the messages it inserts, in batch order, and c.Announce with
// the result (those copies and the changes to known messages), then
// stores the messages, the events, the cursor and the new version at
// once, and sets the integration's LastSyncAt. Commits of one
// integration run one after the other.
//
// c.Events and c.Announce run without the store's lock: they may read
// the store, and see it as it was before this commit (neither this
// commit's messages nor its cursor); they must not commit a sync of the
// same integration. The messages they are given are the copies
// SyncResult.Inserted returns. Their errors are returned as they are.
// The events they return are stored as InsertEvents stores them; an
// empty TenantID or IntegrationID is filled with the commit's, another
// tenant is store.ErrInvalid, and the events are filled in place (ID,
// Status, NextAttemptAt, CreatedAt). SyncResult.Events holds those the
// commit stored, leaving out ids already stored.
func (s *Store) CommitSync(ctx context.Context, c *store.SyncCommit) (*store.SyncResult, error) {
	if err := validateCommit(c); err != nil {
		return nil, err
	}
	row, err := s.lookupIntegration(ctx, c.TenantID, c.IntegrationID)
	if err != nil {
		return nil, err
	}
	if err := row.commit.lock(ctx); err != nil {
		return nil, err
	}
	defer row.commit.unlock()

	var plan *syncPlan
	err = s.read(ctx, func(t *tables) error {
		if err := checkVersion(t, row, c.Version); err != nil {
			return err
		}
		plan = planSync(&row.msgs, c, s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}

	// The copies of the new messages go to c.Events and then, as they
	// are, to SyncResult.Inserted: one copy each, never the store's own.
	inserted := make([]*store.Message, len(plan.inserted))
	for i, m := range plan.inserted {
		inserted[i] = cloneMessage(m)
	}
	var events []*store.Event
	if c.Events != nil {
		if events, err = c.Events(inserted); err != nil {
			return nil, err
		}
	}
	if c.Announce != nil {
		r := &store.SyncResult{Updated: plan.updated, Deleted: plan.deleted, Resync: plan.resync, Changed: plan.changed}
		if len(inserted) > 0 {
			r.Inserted = inserted
		}
		more, err := c.Announce(r)
		if err != nil {
			return nil, err
		}
		events = append(events, more...)
	}

	// UpdateIntegration must not overwrite the LastSyncAt set here with
	// the value its fn saw.
	if err := row.update.lock(ctx); err != nil {
		return nil, err
	}
	defer row.update.unlock()

	res := &store.SyncResult{Updated: plan.updated, Deleted: plan.deleted, Resync: plan.resync, Changed: plan.changed, Version: c.Version + 1}
	err = s.write(ctx, func(t *tables) error {
		if err := checkVersion(t, row, c.Version); err != nil {
			return err
		}
		now := s.now()
		batch, err := t.prepareEvents(events, eventScope{tenantID: row.in.TenantID, integrationID: row.in.ID, owned: true}, now)
		if err != nil {
			return err
		}
		for _, w := range plan.writes {
			row.msgs.put(w.m, w.isNew)
		}
		res.Events = t.storeEvents(batch)
		row.sync = store.SyncState{Cursor: c.Cursor, Version: c.Version + 1, UpdatedAt: now}
		row.in.LastSyncAt = now
		if len(inserted) > 0 {
			res.Inserted = inserted
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// checkVersion checks that row is still stored at version.
func checkVersion(t *tables, row *integrationRow, version int64) error {
	if !t.current(row) {
		return notFound("integration")
	}
	if row.sync.Version != version {
		return fmt.Errorf("memory: sync of integration %s from version %d, but version %d is stored: %w",
			row.in.ID, version, row.sync.Version, store.ErrConflict)
	}
	return nil
}

func validateCommit(c *store.SyncCommit) error {
	switch {
	case c == nil:
		return invalid("commit", "is required")
	case c.TenantID == "":
		return invalid("tenant_id", "is required")
	case c.IntegrationID == "":
		return invalid("integration_id", "is required")
	case c.Cursor.IsZero():
		return invalid("cursor", "is required: a batch always carries the cursor that covers it")
	}
	for i, m := range c.Messages {
		switch {
		case m == nil:
			return invalid(fmt.Sprintf("messages[%d]", i), "is nil")
		case m.ProviderID == "":
			return invalid(fmt.Sprintf("messages[%d].provider_id", i), "is required")
		}
	}
	for i, ch := range c.Changes {
		switch ch.Kind {
		case connector.ChangeDeleted, connector.ChangeFlags:
			if ch.ProviderID == "" && ch.ProviderRef == "" {
				return invalid(fmt.Sprintf("changes[%d].provider_id", i), "is required, or provider_ref")
			}
		case connector.ChangeMoved:
			if ch.ProviderID == "" || ch.Target == "" {
				return invalid(fmt.Sprintf("changes[%d].target", i), "and provider_id are required")
			}
		case connector.ChangeVanished:
			if ch.ProviderRef == "" {
				return invalid(fmt.Sprintf("changes[%d].provider_ref", i), "is required")
			}
		case connector.ChangeResync:
		default:
			return invalid(fmt.Sprintf("changes[%d].kind", i), fmt.Sprintf("%d is not a known change kind", ch.Kind))
		}
	}
	return nil
}
