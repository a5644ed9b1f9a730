package store

import (
	"context"
	"time"

	"github.com/ucsp/integration/connector"
)

// OutboxStatus is the state of an outbox entry.
type OutboxStatus string

// The states of an outbox entry.
const (
	// OutboxPending: accepted, not sent yet (or being retried).
	OutboxPending OutboxStatus = "pending"
	// OutboxSent: the provider accepted the message.
	OutboxSent OutboxStatus = "sent"
	// OutboxFailed: given up; LastError says why.
	OutboxFailed OutboxStatus = "failed"
)

// OutboxEntry is a message accepted for sending.
type OutboxEntry struct {
	ID            string `json:"id"`
	TenantID      string `json:"tenant_id"`
	IntegrationID string `json:"integration_id"`
	// IdempotencyKey is the client's key, unique per tenant.
	IdempotencyKey string `json:"idempotency_key"`
	// RequestHash fingerprints the request that created the entry (e.g. a
	// hex SHA-256 of its body): a reuse of the key with another hash is an
	// ErrIdempotencyConflict.
	RequestHash string `json:"request_hash"`
	// Message is what to send; its MessageID stays the same across
	// retries.
	Message   connector.OutboundMessage `json:"message"`
	Status    OutboxStatus              `json:"status"`
	Attempts  int                       `json:"attempts"`
	Result    *connector.SendResult     `json:"result,omitempty"`
	LastError string                    `json:"last_error,omitempty"`
	CreatedAt time.Time                 `json:"created_at"`
	UpdatedAt time.Time                 `json:"updated_at"`
	SentAt    time.Time                 `json:"sent_at,omitzero"`
}

// OutboxStore keeps messages accepted for sending.
type OutboxStore interface {
	// CreateOutbox stores e (filling ID, Status when empty, CreatedAt and
	// UpdatedAt) and reports created == true. If the tenant already has an
	// entry with e.IdempotencyKey, it stores nothing and returns that
	// entry with created == false when the RequestHash matches, or
	// ErrIdempotencyConflict when it does not. The integration must exist
	// (ErrNotFound).
	CreateOutbox(ctx context.Context, e *OutboxEntry) (entry *OutboxEntry, created bool, err error)
	// GetOutbox returns one entry, or ErrNotFound.
	GetOutbox(ctx context.Context, tenantID, id string) (*OutboxEntry, error)
	// UpdateOutbox reads the entry, calls fn to change it, and writes it
	// together with the events fn returns, atomically. fn must not change
	// ID, TenantID, IntegrationID, IdempotencyKey, RequestHash or
	// CreatedAt (ErrInvalid). An error from fn aborts and is returned.
	UpdateOutbox(ctx context.Context, tenantID, id string, fn func(*OutboxEntry) ([]*Event, error)) (*OutboxEntry, error)
	// PendingOutbox returns what the tenant's pending entries hold: a
	// cheap read (an index of pending entries, not a scan) for a
	// per-tenant quota.
	PendingOutbox(ctx context.Context, tenantID string) (OutboxUsage, error)
}
