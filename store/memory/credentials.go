package memory

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store/secrets"
)

// credentialsAAD binds sealed credentials to their integration, as
// store/postgres does: a ciphertext moved to another integration does not
// open.
func credentialsAAD(integrationID string) []byte {
	return []byte("integration-credentials:" + integrationID)
}

// SetCredentials replaces the credentials of the tenant's integration id,
// sealed with the keyring's current key, and sets its UpdatedAt.
func (s *Store) SetCredentials(ctx context.Context, tenantID, id string, creds connector.Credentials) error {
	if err := requireTenant(tenantID); err != nil {
		return err
	}
	return s.write(ctx, func(t *tables) error {
		row := t.integration(tenantID, id)
		if row == nil {
			return notFound("integration")
		}
		sealed, err := s.sealCredentials(row.in.ID, creds)
		if err != nil {
			return err
		}
		row.creds = sealed
		row.in.UpdatedAt = s.now()
		return nil
	})
}

// Credentials returns the credentials of the tenant's integration id,
// unsealed.
func (s *Store) Credentials(ctx context.Context, tenantID, id string) (connector.Credentials, error) {
	if err := requireTenant(tenantID); err != nil {
		return connector.Credentials{}, err
	}
	var (
		sealed        secrets.Sealed
		integrationID string
	)
	err := s.read(ctx, func(t *tables) error {
		row := t.integration(tenantID, id)
		if row == nil {
			return notFound("integration")
		}
		// A Sealed is replaced, never changed in place: it can be opened
		// after the lock is released.
		sealed, integrationID = row.creds, row.in.ID
		return nil
	})
	if err != nil {
		return connector.Credentials{}, err
	}
	plain, err := s.keyring.Open(sealed, credentialsAAD(integrationID))
	if err != nil {
		return connector.Credentials{}, fmt.Errorf("memory: credentials of integration %s: %w", integrationID, err)
	}
	defer clear(plain)
	var creds connector.Credentials
	if err := json.Unmarshal(plain, &creds); err != nil {
		// The decoder's error may quote the plaintext: leave it out.
		return connector.Credentials{}, fmt.Errorf("memory: credentials of integration %s: cannot decode what was sealed", integrationID)
	}
	return creds, nil
}

// sealCredentials seals creds for the integration id.
func (s *Store) sealCredentials(id string, creds connector.Credentials) (secrets.Sealed, error) {
	plain, err := json.Marshal(creds)
	if err != nil {
		return secrets.Sealed{}, fmt.Errorf("memory: encode credentials: %w", err)
	}
	defer clear(plain)
	sealed, err := s.keyring.Seal(plain, credentialsAAD(id))
	if err != nil {
		return secrets.Sealed{}, fmt.Errorf("memory: seal credentials: %w", err)
	}
	return sealed, nil
}
