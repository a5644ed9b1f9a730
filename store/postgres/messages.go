package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ucsp/integration/store"
)

const messageColumns = `m.id, i.tenant_id, m.integration_id, m.provider_id, m.provider_ref, m.thread_id, m.message_id, m.subject,
	m.flags, m.labels, m.folders, m.body_text, m.body_html, m.data, m.automated, m.deleted_at, m.created_at, m.updated_at`

// GetMessage returns a message of the tenant's integration by the
// store's id.
func (s *Store) GetMessage(ctx context.Context, tenantID, integrationID, id string) (*store.Message, error) {
	const op = "get message"
	if !store.ValidID(integrationID) || !store.ValidID(id) {
		return nil, notFound(op)
	}
	m, err := scanMessage(s.pool.QueryRow(ctx, `
		SELECT `+messageColumns+`
		FROM messages m JOIN integrations i ON i.id = m.integration_id
		WHERE m.integration_id = $1 AND m.id = $2 AND i.tenant_id = $3`, integrationID, id, tenantID))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return m, nil
}

// GetMessageByProviderID returns a message of the tenant's integration by
// its provider id.
func (s *Store) GetMessageByProviderID(ctx context.Context, tenantID, integrationID, providerID string) (*store.Message, error) {
	const op = "get message by provider id"
	if !store.ValidID(integrationID) || !storable(providerID) {
		return nil, notFound(op)
	}
	m, err := scanMessage(s.pool.QueryRow(ctx, `
		SELECT `+messageColumns+`
		FROM messages m JOIN integrations i ON i.id = m.integration_id
		WHERE m.integration_id = $1 AND m.provider_id = $2 AND i.tenant_id = $3`, integrationID, providerID, tenantID))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return m, nil
}

// ListMessages pages through the integration's messages in id (storage)
// order. An integration the tenant does not have is store.ErrNotFound.
func (s *Store) ListMessages(ctx context.Context, tenantID, integrationID string, opts store.ListMessagesOptions) (*store.Page[*store.Message], error) {
	const op = "list messages"
	limit, after, err := pageAfterID(op, opts.ListOptions)
	if err != nil {
		return nil, err
	}
	if !store.ValidID(integrationID) {
		return nil, notFound(op)
	}
	// Spelled out, so that the planner picks messages_live_idx.
	live := ` AND m.deleted_at IS NULL`
	if opts.IncludeDeleted {
		live = ``
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+messageColumns+`
		FROM messages m JOIN integrations i ON i.id = m.integration_id
		WHERE m.integration_id = $1 AND i.tenant_id = $2 AND m.id > $3`+live+`
		ORDER BY m.id LIMIT $4`, integrationID, tenantID, after, limit+1)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	items, err := collect(rows, scanMessage)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	if len(items) == 0 {
		if err := s.checkIntegration(ctx, op, tenantID, integrationID); err != nil {
			return nil, err
		}
	}
	return newPage(items, limit, func(m *store.Message) string { return m.ID }), nil
}

// CountMessages counts the integration's messages that are not deleted,
// from messages_live_idx. An integration the tenant does not have is
// store.ErrNotFound.
func (s *Store) CountMessages(ctx context.Context, tenantID, integrationID string) (int64, error) {
	const op = "count messages"
	if !store.ValidID(integrationID) {
		return 0, notFound(op)
	}
	var n int64
	err := s.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM messages m WHERE m.integration_id = i.id AND m.deleted_at IS NULL)
		FROM integrations i WHERE i.id = $1 AND i.tenant_id = $2`, integrationID, tenantID).Scan(&n)
	if err != nil {
		return 0, wrapErr(op, err)
	}
	return n, nil
}

// checkIntegration returns store.ErrNotFound unless the tenant has the
// integration.
func (s *Store) checkIntegration(ctx context.Context, op, tenantID, integrationID string) error {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM integrations WHERE id = $1 AND tenant_id = $2)`,
		integrationID, tenantID).Scan(&ok)
	if err != nil {
		return wrapErr(op, err)
	}
	if !ok {
		return notFound(op)
	}
	return nil
}

func scanMessage(row pgx.Row) (*store.Message, error) {
	var (
		m                                store.Message
		providerID, ref, threadID, msgID string
		subject                          string
		text, html                       string
		flags, labels, folders           []string
		data, automated                  []byte
		deletedAt                        *time.Time
	)
	err := row.Scan(&m.ID, &m.TenantID, &m.IntegrationID, &providerID, &ref, &threadID, &msgID, &subject,
		&flags, &labels, &folders, &text, &html, &data, &automated, &deletedAt, &m.CreatedAt, &m.UpdatedAt)
	if err != nil {
		return nil, err
	}
	// data holds the fields that have no column; the others are set after.
	if err := json.Unmarshal(data, &m.Message); err != nil {
		return nil, fmt.Errorf("message %s: decode data: %w", m.ID, err)
	}
	if automated != nil {
		if err := json.Unmarshal(automated, &m.Automated); err != nil {
			return nil, fmt.Errorf("message %s: decode automated: %w", m.ID, err)
		}
	}
	m.ProviderID, m.ProviderRef, m.ThreadID, m.MessageID, m.Subject = providerID, ref, threadID, msgID, subject
	m.Text, m.HTML = text, html
	m.Flags, m.Labels, m.Folders = nilIfEmpty(flags), nilIfEmpty(labels), nilIfEmpty(folders)
	m.DeletedAt = timeOf(deletedAt)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return &m, nil
}
