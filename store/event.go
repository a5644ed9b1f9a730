package store

import (
	"context"
	"encoding/json"
	"time"
)

// EventStatus is the delivery state of an event.
type EventStatus string

// The delivery states of an event.
const (
	// EventPending: waiting for (another) delivery attempt.
	EventPending EventStatus = "pending"
	// EventDelivered: the receiver acknowledged it.
	EventDelivered EventStatus = "delivered"
	// EventDead: given up after the last attempt or a permanent refusal;
	// kept for inspection and redelivery.
	EventDead EventStatus = "dead"
)

// Event is an outbound event for the platform (message.received,
// message.sent, integration.needs_reauth, ...), stored in the same
// transaction as the change it reports and delivered afterwards.
type Event struct {
	// ID is stable for the event's life; deliveries use it as the
	// webhook-id, so receivers can drop duplicates. Filled by the store
	// when empty.
	ID            string          `json:"id"`
	TenantID      string          `json:"tenant_id"`
	IntegrationID string          `json:"integration_id,omitempty"`
	Type          string          `json:"type"`
	Payload       json.RawMessage `json:"payload"`
	Status        EventStatus     `json:"status"`
	// Attempts counts finished delivery attempts, failed or not.
	Attempts int `json:"attempts"`
	// NextAttemptAt is when the event is next due for delivery.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	DeliveredAt   time.Time `json:"delivered_at,omitzero"`
}

// ListEventsOptions filters and pages ListEvents.
type ListEventsOptions struct {
	ListOptions
	// Status and IntegrationID, when set, keep only matching events.
	Status        EventStatus
	IntegrationID string
}

// EventStore keeps outbound events and their delivery state.
type EventStore interface {
	// InsertEvents stores events (filling ID, Status, NextAttemptAt and
	// CreatedAt when empty). TenantID and Type are required and Payload
	// must be valid JSON (ErrInvalid). An event whose ID is already stored
	// is left as it is: inserting is idempotent.
	InsertEvents(ctx context.Context, events ...*Event) error
	// GetEvent returns one of the tenant's events, or ErrNotFound.
	GetEvent(ctx context.Context, tenantID, id string) (*Event, error)
	// ListEvents pages through the tenant's events in the order they were
	// stored.
	ListEvents(ctx context.Context, tenantID string, opts ListEventsOptions) (*Page[*Event], error)
	// RecentEvents returns up to limit of the latest events of every
	// tenant, newest first, of status when it is set: for operators'
	// dashboards, never for a tenant's request. limit must be 1 to
	// MaxLimit (ErrInvalid).
	RecentEvents(ctx context.Context, status EventStatus, limit int) ([]*Event, error)
	// ClaimEvents returns up to limit pending events of any tenant that
	// are due at now, oldest first, and hides them from other claimers
	// until now+lease: concurrent claimers never get the same event. A
	// claimed event that is neither delivered nor failed before its lease
	// ends is due again.
	ClaimEvents(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*Event, error)
	// MarkEventDelivered records a successful delivery and ends any
	// claim on the event. An unknown id is ErrNotFound.
	MarkEventDelivered(ctx context.Context, id string, at time.Time) error
	// MarkEventFailed records a failed attempt and ends any claim on the
	// event: it is due again at next, or dead when next is zero. An
	// unknown id is ErrNotFound.
	MarkEventFailed(ctx context.Context, id string, next time.Time, reason string) error
	// RedeliverEvent makes one of the tenant's events (dead or delivered)
	// pending, unclaimed and due now again.
	RedeliverEvent(ctx context.Context, tenantID, id string) (*Event, error)
}
