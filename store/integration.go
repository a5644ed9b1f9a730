package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ucsp/integration/connector"
)

// IntegrationStatus is the state of an integration.
type IntegrationStatus string

// The states of an integration.
const (
	// StatusActive: synced and sending.
	StatusActive IntegrationStatus = "active"
	// StatusDisabled: turned off by the tenant; not synced.
	StatusDisabled IntegrationStatus = "disabled"
	// StatusNeedsReauth: the provider rejected the credentials; nothing
	// works until the user re-authorises.
	StatusNeedsReauth IntegrationStatus = "needs_reauth"
	// StatusError: failing for another reason (see LastError).
	StatusError IntegrationStatus = "error"
)

// Valid reports whether s is one of the defined states.
func (s IntegrationStatus) Valid() bool {
	switch s {
	case StatusActive, StatusDisabled, StatusNeedsReauth, StatusError:
		return true
	}
	return false
}

// Integration is one connected mailbox or source of a tenant. Its
// credentials are kept apart, sealed, and never part of this value.
type Integration struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	// Provider is the connector.Registry name ("imap", "gmail", ...).
	Provider string `json:"provider"`
	Name     string `json:"name"`
	// Config holds the provider's settings as JSON; never secrets.
	Config json.RawMessage `json:"config,omitempty"`
	// Status and LastError say whether the integration works.
	Status    IntegrationStatus `json:"status"`
	LastError string            `json:"last_error,omitempty"`
	// Health is the outcome of the latest connectivity test.
	Health Health `json:"health"`
	// Backfill is the integration's history policy and mark.
	Backfill Backfill `json:"backfill"`
	// LastSyncAt is when a sync last committed; zero if never.
	LastSyncAt time.Time `json:"last_sync_at,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Health is the outcome of an integration's latest connectivity test.
type Health struct {
	// Status is "unknown" before the first test, then "ok" or "failing".
	Status    string    `json:"status"`
	CheckedAt time.Time `json:"checked_at,omitzero"`
	// Latency is how long the test took.
	Latency time.Duration `json:"latency,omitempty"`
	Error   string        `json:"error,omitempty"`
	// ConsecutiveFailures counts failed tests since the last success.
	ConsecutiveFailures int `json:"consecutive_failures,omitempty"`
}

// IntegrationCount is how many integrations have one provider and
// status, across tenants.
type IntegrationCount struct {
	Provider string            `json:"provider"`
	Status   IntegrationStatus `json:"status"`
	Count    int64             `json:"count"`
}

// ListIntegrationsOptions filters and pages ListIntegrations.
type ListIntegrationsOptions struct {
	ListOptions
	// Provider and Status, when set, keep only matching integrations.
	Provider string
	Status   IntegrationStatus
}

// IntegrationStore keeps integrations and their sealed credentials.
type IntegrationStore interface {
	// CreateIntegration stores in, with creds sealed, and fills in.ID,
	// in.CreatedAt and in.UpdatedAt (and in.Status, when empty, with
	// StatusActive; in.Health.Status, when empty, with "unknown").
	// TenantID, Provider and Name are required (ErrInvalid).
	CreateIntegration(ctx context.Context, in *Integration, creds connector.Credentials) error
	// GetIntegration returns the tenant's integration id, or ErrNotFound.
	GetIntegration(ctx context.Context, tenantID, id string) (*Integration, error)
	// ListIntegrations pages through the tenant's integrations in creation
	// order.
	ListIntegrations(ctx context.Context, tenantID string, opts ListIntegrationsOptions) (*Page[*Integration], error)
	// UpdateIntegration reads the integration, calls fn to change it and
	// writes the result, atomically: concurrent updates do not lose each
	// other's changes. fn must not change ID, TenantID or CreatedAt
	// (ErrInvalid). An error from fn aborts the update and is returned.
	UpdateIntegration(ctx context.Context, tenantID, id string, fn func(*Integration) error) (*Integration, error)
	// UpdateIntegrationWithEvents is UpdateIntegration whose fn also
	// returns the events that announce the change (an
	// integration.needs_reauth, say), stored with it in one transaction:
	// both or neither, so that a crash never loses the announcement of a
	// change that was made, nor announces one that was not. The events
	// are checked and filled in place as InsertEvents does; an event
	// naming no tenant or integration gets the integration's, one naming
	// another tenant is ErrInvalid.
	UpdateIntegrationWithEvents(ctx context.Context, tenantID, id string, fn func(*Integration) ([]*Event, error)) (*Integration, error)
	// DeleteIntegration removes the integration and everything stored for
	// it (credentials, cursor, messages, outbox, events, push
	// subscription).
	DeleteIntegration(ctx context.Context, tenantID, id string) error

	// CountIntegrations counts the integrations of every tenant by
	// provider and status, sorted by provider then status, leaving out
	// pairs with none: the one read that is not scoped by tenant, for
	// operators' metrics.
	CountIntegrations(ctx context.Context) ([]IntegrationCount, error)
	// CountTenantIntegrations returns how many integrations the tenant
	// has, of every provider and status: a cheap read (an index, not a
	// scan of every tenant's) for a per-tenant quota.
	CountTenantIntegrations(ctx context.Context, tenantID string) (int64, error)
	// FindIntegration returns the integration id of whichever tenant, or
	// ErrNotFound: for routes whose URL alone names the integration (a
	// custom source's signed webhook), which must check what the URL
	// claims (the signature) before trusting the tenant it finds.
	FindIntegration(ctx context.Context, id string) (*Integration, error)
	// ScanIntegrations pages through the integrations of every tenant in
	// id order, Provider and Status filtering as in ListIntegrations: for
	// the service's own periodic work (the catch-up sweep, IDLE
	// watchers), never for a tenant's request.
	ScanIntegrations(ctx context.Context, opts ListIntegrationsOptions) (*Page[*Integration], error)

	// SetCredentials replaces the integration's credentials (sealed at
	// rest with the store's current key).
	SetCredentials(ctx context.Context, tenantID, id string, creds connector.Credentials) error
	// Credentials returns the integration's credentials, unsealed.
	Credentials(ctx context.Context, tenantID, id string) (connector.Credentials, error)
}
