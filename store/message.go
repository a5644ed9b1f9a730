package store

import (
	"context"
	"time"

	"github.com/ucsp/integration/connector"
)

// Message is a stored message: a connector.Message with the store's id
// and bookkeeping.
type Message struct {
	// ID is the store's id for the message (not the provider's).
	ID            string `json:"id"`
	TenantID      string `json:"tenant_id"`
	IntegrationID string `json:"integration_id"`
	connector.Message
	// DeletedAt is when a sync reported the message gone; zero while it
	// exists.
	DeletedAt time.Time `json:"deleted_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when a sync last changed the message's thread, flags,
	// labels, folders or deletion; a new ProviderRef alone does not move
	// it.
	UpdatedAt time.Time `json:"updated_at"`
}

// ListMessagesOptions filters and pages ListMessages.
type ListMessagesOptions struct {
	ListOptions
	// IncludeDeleted keeps messages marked deleted in the listing.
	IncludeDeleted bool
}

// MessageStore reads stored messages. Messages are written by
// SyncStore.CommitSync.
type MessageStore interface {
	// GetMessage returns one message of the tenant's integration by the
	// store's id, or ErrNotFound.
	GetMessage(ctx context.Context, tenantID, integrationID, id string) (*Message, error)
	// GetMessageByProviderID returns one message by its provider id, or
	// ErrNotFound.
	GetMessageByProviderID(ctx context.Context, tenantID, integrationID, providerID string) (*Message, error)
	// ListMessages pages through an integration's messages in the order
	// they were stored. An unknown integration is ErrNotFound.
	ListMessages(ctx context.Context, tenantID, integrationID string, opts ListMessagesOptions) (*Page[*Message], error)
	// CountMessages counts an integration's messages that are not
	// deleted. An unknown integration is ErrNotFound.
	CountMessages(ctx context.Context, tenantID, integrationID string) (int64, error)
}
