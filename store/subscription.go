package store

import (
	"context"
	"time"
)

// Subscription is an integration's push registration at its provider (a
// Gmail users.watch, a Microsoft Graph subscription): what the service
// needs to renew it before it expires and to route the provider's
// notifications, which name only a mailbox address (Gmail) or a
// subscription id (Graph), back to the integration. An integration has
// one at most.
type Subscription struct {
	TenantID      string `json:"tenant_id"`
	IntegrationID string `json:"integration_id"`
	// Provider is the integration's provider ("gmail", "outlook").
	Provider string `json:"provider"`
	// ID is the provider's id of the registration (a Graph subscription
	// id); "" when it has none (Gmail). Unique per provider.
	ID string `json:"id,omitempty"`
	// Address is the mailbox address the provider's pushes name (Gmail's
	// emailAddress), stored and matched lower-cased; "" when pushes do
	// not name one.
	Address string `json:"address,omitempty"`
	// Resource is what is watched (a Graph resource path, a Gmail label).
	Resource string `json:"resource,omitempty"`
	// ClientState is the secret the provider echoes in each notification
	// (Graph), which the receiver compares before it trusts one. Sealed
	// at rest; never in JSON.
	ClientState string `json:"-"`
	// Cursor is a position the provider returned with the registration
	// (Gmail's historyId), if any.
	Cursor string `json:"cursor,omitempty"`
	// Expiry is when the provider stops pushing unless the registration
	// is renewed.
	Expiry    time.Time `json:"expiry"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxFindSubscriptions is how many ids one FindSubscriptions call may
// name.
const MaxFindSubscriptions = 1000

// SubscriptionStore keeps the integrations' push registrations. The
// Find and Due methods read every tenant's: they serve the push
// receivers and the renewal job, never a tenant's request.
type SubscriptionStore interface {
	// PutSubscription creates or replaces the integration's subscription
	// (one per integration), sealing ClientState, and fills CreatedAt
	// (kept on replace) and UpdatedAt. TenantID, IntegrationID, Provider
	// and a non-zero Expiry are required (ErrInvalid); the integration
	// must exist in that tenant (ErrNotFound). An ID already held by
	// another integration's subscription of the same provider is
	// ErrConflict. On error nothing changes.
	PutSubscription(ctx context.Context, s *Subscription) error
	// GetSubscription returns the integration's subscription, ClientState
	// unsealed, or ErrNotFound.
	GetSubscription(ctx context.Context, tenantID, integrationID string) (*Subscription, error)
	// DeleteSubscription removes the integration's subscription; removing
	// none is not an error.
	DeleteSubscription(ctx context.Context, tenantID, integrationID string) error
	// FindSubscription returns the subscription of provider whose ID is
	// id, of whichever tenant, or ErrNotFound: for a Graph notification,
	// which names only its subscription. The receiver must check the
	// notification's clientState against ClientState before trusting the
	// tenant it finds.
	FindSubscription(ctx context.Context, provider, id string) (*Subscription, error)
	// FindSubscriptions is FindSubscription for several ids at once, in
	// one round trip: the subscriptions of provider whose ID is in ids,
	// of whichever tenant, by ID. Ids it does not know (or that no
	// subscription can have: "", invalid text) are absent from the map;
	// an id given twice is found once. More than MaxFindSubscriptions ids
	// is ErrInvalid: a notification batch names a few.
	FindSubscriptions(ctx context.Context, provider string, ids []string) (map[string]*Subscription, error)
	// FindSubscriptionsByAddress returns the subscriptions of provider
	// for address (case-insensitive), of every tenant, in integration id
	// order; none is an empty slice: a Gmail push names only the mailbox,
	// which several tenants may have connected.
	FindSubscriptionsByAddress(ctx context.Context, provider, address string) ([]*Subscription, error)
	// DueSubscriptions returns up to limit subscriptions of every tenant
	// whose Expiry is before before, soonest first (ties in integration
	// id order): for the renewal job. A limit of 0 or less is ErrInvalid.
	DueSubscriptions(ctx context.Context, before time.Time, limit int) ([]*Subscription, error)
}
