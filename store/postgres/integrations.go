package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

const integrationColumns = `id, tenant_id, provider, name, config, status, last_error,
	health_status, health_checked_at, health_latency_ns, health_error, health_consecutive_failures,
	last_sync_at, created_at, updated_at, backfill`

// CreateIntegration stores in with its credentials sealed, its sync
// state and nothing else, in one statement.
func (s *Store) CreateIntegration(ctx context.Context, in *store.Integration, creds connector.Credentials) error {
	const op = "create integration"
	if in == nil {
		return fmt.Errorf("postgres: %s: %w", op, store.Invalid("integration", "is required"))
	}
	v := *in
	if v.Status == "" {
		v.Status = store.StatusActive
	}
	if v.Health.Status == "" {
		v.Health.Status = "unknown"
	}
	if err := checkIntegration(&v); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	v.ID = store.NewID()
	v.CreatedAt = now()
	v.UpdatedAt = v.CreatedAt
	sealed, err := s.sealCredentials(v.ID, creds)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	_, err = s.pool.Exec(ctx, `
		WITH i AS (
			INSERT INTO integrations (`+integrationColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $17)
			RETURNING id
		), c AS (
			INSERT INTO integration_credentials (integration_id, key_id, ciphertext, updated_at)
			SELECT id, $15, $16, $14 FROM i
		)
		INSERT INTO sync_states (integration_id) SELECT id FROM i`,
		v.ID, v.TenantID, v.Provider, v.Name, []byte(v.Config), string(v.Status), v.LastError,
		v.Health.Status, nullTime(v.Health.CheckedAt), int64(v.Health.Latency), v.Health.Error, v.Health.ConsecutiveFailures,
		nullTime(v.LastSyncAt), v.CreatedAt, sealed.KeyID, sealed.Ciphertext, v.Backfill)
	if err != nil {
		return wrapErr(op, err)
	}
	in.ID, in.CreatedAt, in.UpdatedAt = v.ID, v.CreatedAt, v.UpdatedAt
	in.Status, in.Health.Status = v.Status, v.Health.Status
	return nil
}

// checkIntegration refuses an integration that cannot be stored.
func checkIntegration(in *store.Integration) error {
	if err := checkRequired("tenant_id", in.TenantID); err != nil {
		return err
	}
	if err := checkRequired("provider", in.Provider); err != nil {
		return err
	}
	if err := checkRequired("name", in.Name); err != nil {
		return err
	}
	if !in.Status.Valid() {
		return store.Invalid("status", fmt.Sprintf("%q is not a valid status", in.Status))
	}
	if err := checkText("last_error", in.LastError); err != nil {
		return err
	}
	if err := checkText("health.status", in.Health.Status); err != nil {
		return err
	}
	if err := checkText("health.error", in.Health.Error); err != nil {
		return err
	}
	return checkJSON("config", in.Config, true)
}

// GetIntegration returns the tenant's integration id.
func (s *Store) GetIntegration(ctx context.Context, tenantID, id string) (*store.Integration, error) {
	const op = "get integration"
	if !store.ValidID(id) {
		return nil, notFound(op)
	}
	in, err := scanIntegration(s.pool.QueryRow(ctx,
		`SELECT `+integrationColumns+` FROM integrations WHERE id = $1 AND tenant_id = $2`, id, tenantID))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return in, nil
}

// ListIntegrations pages through the tenant's integrations in id
// (creation) order.
func (s *Store) ListIntegrations(ctx context.Context, tenantID string, opts store.ListIntegrationsOptions) (*store.Page[*store.Integration], error) {
	const op = "list integrations"
	limit, after, err := pageAfterID(op, opts.ListOptions)
	if err != nil {
		return nil, err
	}
	if opts.Status != "" && !opts.Status.Valid() {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("status", fmt.Sprintf("%q is not a valid status", opts.Status)))
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+integrationColumns+` FROM integrations
		WHERE tenant_id = $1 AND id > $2
		  AND ($3 = '' OR provider = $3) AND ($4 = '' OR status = $4)
		ORDER BY id LIMIT $5`,
		tenantID, after, opts.Provider, string(opts.Status), limit+1)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	items, err := collect(rows, scanIntegration)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return newPage(items, limit, func(in *store.Integration) string { return in.ID }), nil
}

// UpdateIntegration locks the integration's row, lets fn change it and
// writes it back, in one transaction. fn runs while the row is locked
// and a connection is held: keep it short, with no I/O.
func (s *Store) UpdateIntegration(ctx context.Context, tenantID, id string, fn func(*store.Integration) error) (*store.Integration, error) {
	return s.UpdateIntegrationWithEvents(ctx, tenantID, id, func(in *store.Integration) ([]*store.Event, error) {
		return nil, fn(in)
	})
}

// UpdateIntegrationWithEvents is UpdateIntegration whose change and
// events are stored in one transaction; see store.IntegrationStore.
func (s *Store) UpdateIntegrationWithEvents(ctx context.Context, tenantID, id string, fn func(*store.Integration) ([]*store.Event, error)) (*store.Integration, error) {
	const op = "update integration"
	if !store.ValidID(id) {
		return nil, notFound(op)
	}
	var out *store.Integration
	err := s.inTx(ctx, op, func(tx pgx.Tx) error {
		in, err := scanIntegration(tx.QueryRow(ctx,
			`SELECT `+integrationColumns+` FROM integrations WHERE id = $1 AND tenant_id = $2 FOR NO KEY UPDATE`, id, tenantID))
		if err != nil {
			return wrapErr(op, err)
		}
		createdAt := in.CreatedAt
		events, err := fn(in)
		if err != nil {
			return err
		}
		switch {
		case in.ID != id:
			return fmt.Errorf("postgres: %s: %w", op, store.Invalid("id", "cannot be changed"))
		case in.TenantID != tenantID:
			return fmt.Errorf("postgres: %s: %w", op, store.Invalid("tenant_id", "cannot be changed"))
		case !in.CreatedAt.Equal(createdAt):
			return fmt.Errorf("postgres: %s: %w", op, store.Invalid("created_at", "cannot be changed"))
		}
		if err := checkIntegration(in); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		in.CreatedAt = createdAt
		in.UpdatedAt = now()
		_, err = tx.Exec(ctx, `
			UPDATE integrations SET provider = $2, name = $3, config = $4, status = $5, last_error = $6,
				health_status = $7, health_checked_at = $8, health_latency_ns = $9, health_error = $10,
				health_consecutive_failures = $11, last_sync_at = $12, updated_at = $13, backfill = $14
			WHERE id = $1`,
			id, in.Provider, in.Name, []byte(in.Config), string(in.Status), in.LastError,
			in.Health.Status, nullTime(in.Health.CheckedAt), int64(in.Health.Latency), in.Health.Error,
			in.Health.ConsecutiveFailures, nullTime(in.LastSyncAt), in.UpdatedAt, in.Backfill)
		if err != nil {
			return wrapErr(op, err)
		}
		if err := insertEvents(ctx, tx, in.UpdatedAt, events, tenantID, id); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		out = in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteIntegration deletes the integration, and the OAuth states that
// name it, in one statement; the foreign keys cascade to everything
// else stored for it.
func (s *Store) DeleteIntegration(ctx context.Context, tenantID, id string) error {
	const op = "delete integration"
	if !store.ValidID(id) {
		return notFound(op)
	}
	var deleted int
	err := s.pool.QueryRow(ctx, `
		WITH i AS (
			DELETE FROM integrations WHERE id = $1 AND tenant_id = $2 RETURNING id
		), o AS (
			DELETE FROM oauth_states s USING i WHERE s.integration_id = i.id
		)
		SELECT count(*) FROM i`, id, tenantID).Scan(&deleted)
	if err != nil {
		return wrapErr(op, err)
	}
	if deleted == 0 {
		return notFound(op)
	}
	return nil
}

func scanIntegration(row pgx.Row) (*store.Integration, error) {
	var (
		in               store.Integration
		config           []byte
		status           string
		checked, lastRun *time.Time
		latency          int64
	)
	err := row.Scan(&in.ID, &in.TenantID, &in.Provider, &in.Name, &config, &status, &in.LastError,
		&in.Health.Status, &checked, &latency, &in.Health.Error, &in.Health.ConsecutiveFailures,
		&lastRun, &in.CreatedAt, &in.UpdatedAt, &in.Backfill)
	if err != nil {
		return nil, err
	}
	if config != nil {
		in.Config = json.RawMessage(config)
	}
	in.Status = store.IntegrationStatus(status)
	in.Health.CheckedAt = timeOf(checked)
	in.Health.Latency = time.Duration(latency)
	in.LastSyncAt = timeOf(lastRun)
	in.CreatedAt = in.CreatedAt.UTC()
	in.UpdatedAt = in.UpdatedAt.UTC()
	return &in, nil
}
