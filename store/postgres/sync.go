package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// SyncState returns the integration's cursor and version.
func (s *Store) SyncState(ctx context.Context, tenantID, integrationID string) (store.SyncState, error) {
	const op = "sync state"
	if !store.ValidID(integrationID) {
		return store.SyncState{}, notFound(op)
	}
	var (
		st      store.SyncState
		cursor  string
		updated *time.Time
	)
	err := s.pool.QueryRow(ctx, `
		SELECT s.cursor, s.version, s.updated_at
		FROM integrations i JOIN sync_states s ON s.integration_id = i.id
		WHERE i.id = $1 AND i.tenant_id = $2`, integrationID, tenantID).Scan(&cursor, &st.Version, &updated)
	if err != nil {
		return store.SyncState{}, wrapErr(op, err)
	}
	st.Cursor, st.UpdatedAt = connector.Cursor(cursor), timeOf(updated)
	return st, nil
}

// fenceSQL is CommitSync's first statement. It locks the integration's
// row (first, as DeleteIntegration does, so that the two cannot
// deadlock), records the sync time, and moves the sync state on from the
// caller's version, writing the cursor. No row: the integration is
// missing or the version moved. See the package documentation, section
// Performance, for the whole plan.
//
// It returns the commit's time, which stamps everything the commit
// writes: the caller's clock, or a microsecond after the previous
// commit's time when that clock is not ahead of it (another host's clock
// that lags). So every commit of an integration is stamped later than
// the ones before, and no message stores the time of the commit under
// way: updateMessagesSQL relies on it.
const fenceSQL = `
		WITH i AS (
			UPDATE integrations SET last_sync_at = $4 WHERE id = $1 AND tenant_id = $2 RETURNING id
		)
		UPDATE sync_states s SET version = s.version + 1, cursor = $5,
			updated_at = greatest($4, s.updated_at + interval '1 microsecond')
		FROM i WHERE s.integration_id = i.id AND s.version = $3
		RETURNING s.version, s.updated_at`

// CommitSync writes c in one transaction: the version fence first, then
// a lookup of the messages already stored, then the messages, deletions
// and flag changes in one round trip, then (when some changed) their new
// state, then the events c.Events and c.Announce return, then the
// commit.
func (s *Store) CommitSync(ctx context.Context, c *store.SyncCommit) (*store.SyncResult, error) {
	const op = "commit sync"
	if c == nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("commit", "is required"))
	}
	if !store.ValidID(c.IntegrationID) {
		return nil, notFound(op)
	}
	if err := checkRequired("cursor", string(c.Cursor)); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	batch, err := newMessageBatch(c.Messages)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	changes, err := newChangeSet(c.Changes)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}

	var res *store.SyncResult
	err = s.inTx(ctx, op, func(tx pgx.Tx) error {
		var err error
		res, err = s.commitSync(ctx, tx, c, batch, changes)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Store) commitSync(ctx context.Context, tx pgx.Tx, c *store.SyncCommit, batch *messageBatch, changes *changeSet) (*store.SyncResult, error) {
	const op = "commit sync"
	t := now()
	res := &store.SyncResult{Resync: changes.resync}
	err := tx.QueryRow(ctx, fenceSQL, c.IntegrationID, c.TenantID, c.Version, t, string(c.Cursor)).Scan(&res.Version, &t)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.fenceError(ctx, tx, c)
	}
	if err != nil {
		return nil, wrapErr(op, err)
	}
	t = t.UTC()

	w, err := writeMessages(ctx, tx, c, t, batch, changes)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	res.Inserted = w.inserted(c, t, batch, res)
	if res.Changed, err = w.report(ctx, tx, c.IntegrationID); err != nil {
		return nil, wrapErr(op, err)
	}
	for _, ch := range res.Changed {
		ch.TenantID, ch.IntegrationID = c.TenantID, c.IntegrationID
	}

	var events []*store.Event
	if c.Events != nil {
		if events, err = c.Events(res.Inserted); err != nil {
			return nil, err
		}
	}
	if c.Announce != nil {
		more, err := c.Announce(res)
		if err != nil {
			return nil, err
		}
		events = append(events, more...)
	}
	if c.Events != nil || c.Announce != nil {
		if err := insertEvents(ctx, tx, t, events, c.TenantID, c.IntegrationID); err != nil {
			return nil, fmt.Errorf("postgres: %s: events: %w", op, err)
		}
		res.Events = events
	}
	return res, nil
}

// fenceError says why the fence matched no row: the integration is not
// the tenant's, or another commit moved the version on.
func (s *Store) fenceError(ctx context.Context, tx pgx.Tx, c *store.SyncCommit) error {
	const op = "commit sync"
	var version int64
	err := tx.QueryRow(ctx, `
		SELECT s.version FROM integrations i JOIN sync_states s ON s.integration_id = i.id
		WHERE i.id = $1 AND i.tenant_id = $2`, c.IntegrationID, c.TenantID).Scan(&version)
	if err != nil {
		return wrapErr(op, err)
	}
	return fmt.Errorf("postgres: %s: version %d is stale, the stored version is %d: %w", op, c.Version, version, store.ErrConflict)
}
