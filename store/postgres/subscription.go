package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/secrets"
)

const subscriptionColumns = `integration_id, tenant_id, provider, sub_id, address, resource,
	client_state_key_id, client_state, cursor, expiry, created_at, updated_at`

// clientStateAAD binds a subscription's sealed client state to its
// integration: a ciphertext copied to another integration's row does not
// open.
func clientStateAAD(integrationID string) []byte {
	return []byte("subscription-client-state:" + integrationID)
}

// PutSubscription inserts or replaces the integration's subscription in
// one statement that reads the integration from the tenant's, with the
// address lower-cased and the client state sealed. An ID that another
// integration's subscription of the provider holds trips
// subscriptions_provider_sub_id_key: store.ErrConflict.
func (s *Store) PutSubscription(ctx context.Context, sub *store.Subscription) error {
	const op = "put subscription"
	if err := checkSubscription(sub); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !store.ValidID(sub.IntegrationID) {
		return notFound(op)
	}
	// The id as PostgreSQL prints a uuid, which scanSubscription opens
	// the client state with.
	id := strings.ToLower(sub.IntegrationID)
	var sealed secrets.Sealed
	if sub.ClientState != "" {
		var err error
		if sealed, err = s.keyring.Seal([]byte(sub.ClientState), clientStateAAD(id)); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	updated := now()
	var created time.Time
	err := s.pool.QueryRow(ctx, `
		INSERT INTO subscriptions (`+subscriptionColumns+`)
		SELECT id, tenant_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11
		FROM integrations WHERE id = $1 AND tenant_id = $2
		ON CONFLICT (integration_id) DO UPDATE SET
			provider = excluded.provider, sub_id = excluded.sub_id, address = excluded.address,
			resource = excluded.resource, client_state_key_id = excluded.client_state_key_id,
			client_state = excluded.client_state, cursor = excluded.cursor, expiry = excluded.expiry,
			updated_at = excluded.updated_at
		RETURNING created_at`,
		id, sub.TenantID, sub.Provider, sub.ID, strings.ToLower(sub.Address), sub.Resource,
		nullString(sealed.KeyID), sealed.Ciphertext, sub.Cursor, sub.Expiry, updated).Scan(&created)
	switch pgCode(err) {
	case codeUniqueViolation:
		return fmt.Errorf("postgres: %s: id held by another integration's subscription: %w", op, store.ErrConflict)
	case codeForeignKeyViolation: // the integration was deleted meanwhile
		return notFound(op)
	}
	if err != nil {
		return wrapErr(op, err)
	}
	sub.CreatedAt, sub.UpdatedAt = created.UTC(), updated
	return nil
}

// checkSubscription refuses a subscription that cannot be stored. The
// integration id is checked apart: a malformed one names no integration
// (store.ErrNotFound).
func checkSubscription(sub *store.Subscription) error {
	if sub == nil {
		return store.Invalid("subscription", "is required")
	}
	for _, f := range []struct{ name, value string }{
		{"tenant_id", sub.TenantID}, {"integration_id", sub.IntegrationID}, {"provider", sub.Provider},
	} {
		if err := checkRequired(f.name, f.value); err != nil {
			return err
		}
	}
	for _, f := range []struct{ name, value string }{
		{"id", sub.ID}, {"address", sub.Address}, {"resource", sub.Resource}, {"cursor", sub.Cursor},
	} {
		if err := checkText(f.name, f.value); err != nil {
			return err
		}
	}
	if sub.Expiry.IsZero() {
		return store.Invalid("expiry", "is required")
	}
	return nil
}

// GetSubscription returns the subscription of the tenant's integration,
// its client state unsealed, by primary key.
func (s *Store) GetSubscription(ctx context.Context, tenantID, integrationID string) (*store.Subscription, error) {
	const op = "get subscription"
	if !store.ValidID(integrationID) {
		return nil, notFound(op)
	}
	sub, err := s.scanSubscription(s.pool.QueryRow(ctx, `
		SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE integration_id = $1 AND tenant_id = $2`, integrationID, tenantID))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return sub, nil
}

// DeleteSubscription deletes the subscription of the tenant's
// integration, if it has one.
func (s *Store) DeleteSubscription(ctx context.Context, tenantID, integrationID string) error {
	if !store.ValidID(integrationID) {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM subscriptions WHERE integration_id = $1 AND tenant_id = $2`,
		integrationID, tenantID)
	if err != nil {
		return wrapErr("delete subscription", err)
	}
	return nil
}

// scanSubscription reads a row of subscriptionColumns and opens its
// client state. A client state that does not open is an error wrapping
// secrets.ErrOpen or secrets.ErrUnknownKey.
func (s *Store) scanSubscription(row pgx.Row) (*store.Subscription, error) {
	var (
		sub    store.Subscription
		keyID  *string
		sealed secrets.Sealed
	)
	err := row.Scan(&sub.IntegrationID, &sub.TenantID, &sub.Provider, &sub.ID, &sub.Address, &sub.Resource,
		&keyID, &sealed.Ciphertext, &sub.Cursor, &sub.Expiry, &sub.CreatedAt, &sub.UpdatedAt)
	if err != nil {
		return nil, err
	}
	sub.Expiry, sub.CreatedAt, sub.UpdatedAt = sub.Expiry.UTC(), sub.CreatedAt.UTC(), sub.UpdatedAt.UTC()
	if keyID != nil {
		sealed.KeyID = *keyID
		plain, err := s.keyring.Open(sealed, clientStateAAD(sub.IntegrationID))
		if err != nil {
			return nil, fmt.Errorf("client state of integration %s: %w", sub.IntegrationID, err)
		}
		sub.ClientState = string(plain)
		clear(plain)
	}
	return &sub, nil
}
