package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/secrets"
)

// credentialsAAD binds an integration's sealed credentials to its id: a
// ciphertext copied to another integration's row does not open.
func credentialsAAD(integrationID string) []byte {
	return []byte("integration-credentials:" + integrationID)
}

// sealCredentials seals creds as JSON for integration id.
func (s *Store) sealCredentials(id string, creds connector.Credentials) (secrets.Sealed, error) {
	plain, err := json.Marshal(creds)
	if err != nil {
		// The error names a field type, never a value.
		return secrets.Sealed{}, fmt.Errorf("encode credentials: %w", err)
	}
	sealed, err := s.keyring.Seal(plain, credentialsAAD(id))
	clear(plain)
	if err != nil {
		return secrets.Sealed{}, err
	}
	return sealed, nil
}

// SetCredentials seals creds with the keyring's current key and replaces
// the integration's credentials.
func (s *Store) SetCredentials(ctx context.Context, tenantID, id string, creds connector.Credentials) error {
	const op = "set credentials"
	if !store.ValidID(id) {
		return notFound(op)
	}
	sealed, err := s.sealCredentials(id, creds)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO integration_credentials (integration_id, key_id, ciphertext, updated_at)
		SELECT id, $3, $4, $5 FROM integrations WHERE id = $1 AND tenant_id = $2
		ON CONFLICT (integration_id) DO UPDATE
		SET key_id = excluded.key_id, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
		id, tenantID, sealed.KeyID, sealed.Ciphertext, now())
	if err != nil {
		return wrapErr(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}

// Credentials opens the integration's sealed credentials. A ciphertext
// that does not open (sealed for another integration, with a key the
// keyring lacks, or corrupt) is an error wrapping secrets.ErrOpen or
// secrets.ErrUnknownKey.
func (s *Store) Credentials(ctx context.Context, tenantID, id string) (connector.Credentials, error) {
	const op = "credentials"
	if !store.ValidID(id) {
		return connector.Credentials{}, notFound(op)
	}
	var sealed secrets.Sealed
	err := s.pool.QueryRow(ctx, `
		SELECT c.key_id, c.ciphertext
		FROM integrations i JOIN integration_credentials c ON c.integration_id = i.id
		WHERE i.id = $1 AND i.tenant_id = $2`, id, tenantID).Scan(&sealed.KeyID, &sealed.Ciphertext)
	if err != nil {
		return connector.Credentials{}, wrapErr(op, err)
	}
	plain, err := s.keyring.Open(sealed, credentialsAAD(id))
	if err != nil {
		return connector.Credentials{}, fmt.Errorf("postgres: %s of integration %s: %w", op, id, err)
	}
	defer clear(plain)
	var creds connector.Credentials
	if err := json.Unmarshal(plain, &creds); err != nil {
		// json's errors may quote the plaintext: leave them out.
		return connector.Credentials{}, fmt.Errorf("postgres: %s of integration %s: sealed value is not credentials", op, id)
	}
	return creds, nil
}
