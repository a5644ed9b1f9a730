package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

const outboxColumns = `id, tenant_id, integration_id, idempotency_key, request_hash, message, status,
	attempts, result, last_error, created_at, updated_at, sent_at`

// CreateOutbox stores e unless the tenant used its idempotency key
// before. The insert and the lookup of an earlier entry are separate
// statements, so that the lookup sees an entry a concurrent call has just
// committed: the insert waits for that call and then skips the row.
func (s *Store) CreateOutbox(ctx context.Context, e *store.OutboxEntry) (*store.OutboxEntry, bool, error) {
	const op = "create outbox"
	if e == nil {
		return nil, false, fmt.Errorf("postgres: %s: %w", op, store.Invalid("entry", "is required"))
	}
	v := *e
	if v.Status == "" {
		v.Status = store.OutboxPending
	}
	if err := checkRequired("tenant_id", v.TenantID); err != nil {
		return nil, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if err := checkRequired("idempotency_key", v.IdempotencyKey); err != nil {
		return nil, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if err := checkRequired("request_hash", v.RequestHash); err != nil {
		return nil, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	msg, result, err := checkOutbox(&v)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !store.ValidID(v.IntegrationID) {
		return nil, false, notFound(op)
	}
	v.ID = store.NewID()
	v.CreatedAt = now()
	v.UpdatedAt = v.CreatedAt

	// A conflicting entry can vanish between the two statements (its
	// integration deleted): then try again.
	for range 3 {
		tag, err := s.pool.Exec(ctx, `
			INSERT INTO outbox (`+outboxColumns+`, size)
			SELECT $1, tenant_id, id, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13
			FROM integrations WHERE id = $3 AND tenant_id = $2
			ON CONFLICT (tenant_id, idempotency_key) DO NOTHING`,
			v.ID, v.TenantID, v.IntegrationID, v.IdempotencyKey, v.RequestHash, msg, string(v.Status),
			v.Attempts, result, v.LastError, v.CreatedAt, nullTime(v.SentAt), store.MessageSize(&v.Message))
		if err != nil {
			return nil, false, wrapErr(op, err)
		}
		if tag.RowsAffected() == 1 {
			*e = v
			return e, true, nil
		}
		prev, err := scanOutbox(s.pool.QueryRow(ctx,
			`SELECT `+outboxColumns+` FROM outbox WHERE tenant_id = $1 AND idempotency_key = $2`,
			v.TenantID, v.IdempotencyKey))
		switch {
		case err == nil && prev.RequestHash == v.RequestHash:
			return prev, false, nil
		case err == nil:
			return nil, false, fmt.Errorf("postgres: %s: %w", op, store.ErrIdempotencyConflict)
		case !errors.Is(err, pgx.ErrNoRows):
			return nil, false, wrapErr(op, err)
		}
		// No earlier entry: the integration is not the tenant's, unless
		// the entry went away meanwhile.
		if err := s.checkIntegration(ctx, op, v.TenantID, v.IntegrationID); err != nil {
			return nil, false, err
		}
	}
	return nil, false, fmt.Errorf("postgres: %s: %w", op, store.ErrConflict)
}

// checkOutbox checks the fields of e that may change and returns the
// message and result as JSON. Text from a provider (the result, the last
// error) is cleaned rather than refused: refusing it would fail the
// update that records a send that happened.
func checkOutbox(e *store.OutboxEntry) (msg, result []byte, err error) {
	switch e.Status {
	case store.OutboxPending, store.OutboxSent, store.OutboxFailed:
	default:
		return nil, nil, store.Invalid("status", fmt.Sprintf("%q is not an outbox status", e.Status))
	}
	if e.Attempts < 0 || e.Attempts > 1<<31-1 {
		return nil, nil, store.Invalid("attempts", "must be between 0 and 2^31-1")
	}
	e.LastError = cleanText(e.LastError)
	if msg, err = json.Marshal(&e.Message); err != nil {
		return nil, nil, store.Invalid("message", "cannot be encoded as JSON")
	}
	if hasNULEscape(msg) {
		return nil, nil, store.Invalid("message", "must not contain NUL characters")
	}
	if e.Result != nil {
		r := connector.SendResult{
			ProviderID: cleanText(e.Result.ProviderID),
			ThreadID:   cleanText(e.Result.ThreadID),
			MessageID:  cleanText(e.Result.MessageID),
			Response:   cleanText(e.Result.Response),
		}
		e.Result = &r
		if result, err = json.Marshal(&r); err != nil {
			return nil, nil, store.Invalid("result", "cannot be encoded as JSON")
		}
	}
	return msg, result, nil
}

// GetOutbox returns one of the tenant's outbox entries.
func (s *Store) GetOutbox(ctx context.Context, tenantID, id string) (*store.OutboxEntry, error) {
	const op = "get outbox"
	if !store.ValidID(id) {
		return nil, notFound(op)
	}
	e, err := scanOutbox(s.pool.QueryRow(ctx,
		`SELECT `+outboxColumns+` FROM outbox WHERE id = $1 AND tenant_id = $2`, id, tenantID))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return e, nil
}

// UpdateOutbox locks the entry's row, lets fn change it, and writes it
// and the events fn returns in one transaction.
func (s *Store) UpdateOutbox(ctx context.Context, tenantID, id string, fn func(*store.OutboxEntry) ([]*store.Event, error)) (*store.OutboxEntry, error) {
	const op = "update outbox"
	if !store.ValidID(id) {
		return nil, notFound(op)
	}
	var out *store.OutboxEntry
	err := s.inTx(ctx, op, func(tx pgx.Tx) error {
		// Lock the integration before the entry, as DeleteIntegration
		// does, so that the two cannot deadlock: the row lock is taken
		// on the rows the WHERE clause, subquery included, let through.
		e, err := scanOutbox(tx.QueryRow(ctx, `
			SELECT `+outboxColumns+` FROM outbox o
			WHERE id = $1 AND tenant_id = $2
				AND EXISTS (SELECT 1 FROM integrations i WHERE i.id = o.integration_id FOR KEY SHARE)
			FOR NO KEY UPDATE OF o`, id, tenantID))
		if err != nil {
			return wrapErr(op, err)
		}
		was := *e
		events, err := fn(e)
		if err != nil {
			return err
		}
		if err := checkOutboxKept(&was, e); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		msg, result, err := checkOutbox(e)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		e.CreatedAt = was.CreatedAt
		e.UpdatedAt = now()
		_, err = tx.Exec(ctx, `
			UPDATE outbox SET message = $2, status = $3, attempts = $4, result = $5, last_error = $6,
				updated_at = $7, sent_at = $8, size = $9
			WHERE id = $1`,
			id, msg, string(e.Status), e.Attempts, result, e.LastError, e.UpdatedAt, nullTime(e.SentAt), store.MessageSize(&e.Message))
		if err != nil {
			return wrapErr(op, err)
		}
		if err := insertEvents(ctx, tx, e.UpdatedAt, events, e.TenantID, e.IntegrationID); err != nil {
			return fmt.Errorf("postgres: %s: events: %w", op, err)
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkOutboxKept refuses a change to a field UpdateOutbox keeps.
func checkOutboxKept(was, now *store.OutboxEntry) error {
	switch {
	case now.ID != was.ID:
		return store.Invalid("id", "cannot be changed")
	case now.TenantID != was.TenantID:
		return store.Invalid("tenant_id", "cannot be changed")
	case now.IntegrationID != was.IntegrationID:
		return store.Invalid("integration_id", "cannot be changed")
	case now.IdempotencyKey != was.IdempotencyKey:
		return store.Invalid("idempotency_key", "cannot be changed")
	case now.RequestHash != was.RequestHash:
		return store.Invalid("request_hash", "cannot be changed")
	case !now.CreatedAt.Equal(was.CreatedAt):
		return store.Invalid("created_at", "cannot be changed")
	}
	return nil
}

func scanOutbox(row pgx.Row) (*store.OutboxEntry, error) {
	var (
		e           store.OutboxEntry
		msg, result []byte
		status      string
		attempts    int32
		sentAt      *time.Time
	)
	err := row.Scan(&e.ID, &e.TenantID, &e.IntegrationID, &e.IdempotencyKey, &e.RequestHash, &msg, &status,
		&attempts, &result, &e.LastError, &e.CreatedAt, &e.UpdatedAt, &sentAt)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(msg, &e.Message); err != nil {
		return nil, fmt.Errorf("outbox %s: decode message: %w", e.ID, err)
	}
	if result != nil {
		e.Result = new(connector.SendResult)
		if err := json.Unmarshal(result, e.Result); err != nil {
			return nil, fmt.Errorf("outbox %s: decode result: %w", e.ID, err)
		}
	}
	e.Status, e.Attempts = store.OutboxStatus(status), int(attempts)
	e.CreatedAt, e.UpdatedAt, e.SentAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC(), timeOf(sentAt)
	return &e, nil
}
