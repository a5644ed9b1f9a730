package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/ucsp/integration/store"
)

const (
	// lockIntegrationSQL locks the integration's row as CommitSync's fence
	// does, so that an update and a sync commit run one after the other.
	lockIntegrationSQL = `SELECT 1 FROM integrations WHERE id = $1 AND tenant_id = $2 FOR UPDATE`

	lockMessageSQL = `
		SELECT id, provider_id, provider_ref, flags, labels, folders, deleted_at IS NOT NULL FROM messages
		WHERE integration_id = $1 AND id = $2 FOR UPDATE`

	providerIDTakenSQL = `SELECT EXISTS (SELECT 1 FROM messages WHERE integration_id = $1 AND provider_id = $2 AND id <> $3)`

	takeRefSQL = `UPDATE messages SET provider_ref = '' WHERE integration_id = $1 AND provider_ref = $2 AND id <> $3`

	updateMessageSQL = `
		UPDATE messages SET provider_id = $3, provider_ref = $4, flags = $5, labels = $6, folders = $7,
			deleted_at = CASE WHEN $8 THEN coalesce(deleted_at, $9) END,
			updated_at = CASE WHEN $10 THEN $9 ELSE updated_at END
		WHERE integration_id = $1 AND id = $2`
)

// ApplyMessageUpdate writes u to its message, with the events u.Events
// returns, in one transaction that holds the integration's row lock, as
// CommitSync does (store.MessageUpdater).
func (s *Store) ApplyMessageUpdate(ctx context.Context, u *store.MessageUpdate) (*store.MessageChange, error) {
	const op = "apply message update"
	if u == nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("update", "is required"))
	}
	if !store.ValidID(u.IntegrationID) || !store.ValidID(u.ID) {
		return nil, notFound(op)
	}
	for field, v := range map[string]string{"provider_id": u.ProviderID, "provider_ref": u.ProviderRef} {
		if err := checkText(field, v); err != nil {
			return nil, fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	var change *store.MessageChange
	err := s.inTx(ctx, op, func(tx pgx.Tx) error {
		var err error
		change, err = applyUpdate(ctx, tx, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	return change, nil
}

func applyUpdate(ctx context.Context, tx pgx.Tx, u *store.MessageUpdate) (*store.MessageChange, error) {
	const op = "apply message update"
	var one int
	if err := tx.QueryRow(ctx, lockIntegrationSQL, u.IntegrationID, u.TenantID).Scan(&one); err != nil {
		return nil, wrapErr(op, err)
	}
	rows, _ := tx.Query(ctx, lockMessageSQL, u.IntegrationID, u.ID)
	old, err := pgx.CollectExactlyOneRow(rows, scanStoredState)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	next := *old
	if u.Deleted {
		if old.deleted {
			return nil, nil
		}
		next.deleted = true
	} else {
		if u.ProviderID != "" {
			next.providerID = u.ProviderID
		}
		if u.ProviderRef != "" {
			next.providerRef = u.ProviderRef
		}
		if u.Known {
			next.state = store.MessageState{
				Flags: cleanTexts(slices.Clone(u.State.Flags)), Labels: cleanTexts(slices.Clone(u.State.Labels)),
				Folders: cleanTexts(slices.Clone(u.State.Folders)),
			}
		}
		next.deleted = false
	}
	ch := &store.MessageChange{
		ID: old.id, TenantID: u.TenantID, IntegrationID: u.IntegrationID,
		ProviderID: next.providerID, ProviderRef: next.providerRef,
		Before: old.state, After: next.state,
		Deleted: next.deleted && !old.deleted, Restored: old.deleted && !next.deleted,
	}
	if next.providerID != old.providerID {
		ch.PreviousProviderID = old.providerID
		var taken bool
		if err := tx.QueryRow(ctx, providerIDTakenSQL, u.IntegrationID, next.providerID, u.ID).Scan(&taken); err != nil {
			return nil, wrapErr(op, err)
		}
		if taken {
			return nil, fmt.Errorf("postgres: %s: provider id %q is another message's: %w", op, next.providerID, store.ErrConflict)
		}
	}
	report := ch.StateChanged() || ch.Deleted || ch.Restored || ch.PreviousProviderID != ""
	if !report && next.providerRef == old.providerRef {
		return nil, nil // the store holds that state already
	}
	if next.providerRef != old.providerRef && next.providerRef != "" {
		if _, err := tx.Exec(ctx, takeRefSQL, u.IntegrationID, next.providerRef, u.ID); err != nil {
			return nil, wrapErr(op, err)
		}
	}
	t := now()
	_, err = tx.Exec(ctx, updateMessageSQL, u.IntegrationID, u.ID, next.providerID, next.providerRef,
		notNil(next.state.Flags), notNil(next.state.Labels), notNil(next.state.Folders), next.deleted, t, report)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	if !report {
		return nil, nil
	}
	if u.Events != nil {
		events, err := u.Events(ch)
		if err != nil {
			return nil, err
		}
		if err := insertEvents(ctx, tx, t, events, u.TenantID, u.IntegrationID); err != nil {
			return nil, fmt.Errorf("postgres: %s: events: %w", op, err)
		}
	}
	return ch, nil
}
