package syncrun

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// CredentialStore is what RegistryConnect needs of a store: an
// integration's credentials, and a place to save those its connector
// rotates.
type CredentialStore interface {
	Credentials(ctx context.Context, tenantID, id string) (connector.Credentials, error)
	SetCredentials(ctx context.Context, tenantID, id string, creds connector.Credentials) error
}

var _ CredentialStore = store.Store(nil)

// RegistryConnect returns a ConnectFunc that builds an integration's
// connector with reg, from its provider, settings and the credentials
// creds holds, saving the credentials the connector rotates (a refreshed
// OAuth token) back to creds. logger is the connectors' (nil:
// slog.Default()).
func RegistryConnect(reg *connector.Registry, creds CredentialStore, logger *slog.Logger) ConnectFunc {
	return func(ctx context.Context, in *store.Integration) (connector.Connector, error) {
		c, err := creds.Credentials(ctx, in.TenantID, in.ID)
		if err != nil {
			return nil, fmt.Errorf("syncrun: credentials of integration %s: %w", in.ID, err)
		}
		tenant, id := in.TenantID, in.ID
		return reg.New(ctx, connector.Config{
			Provider: in.Provider, IntegrationID: in.ID, Settings: in.Config, Credentials: c, Logger: logger,
			SaveCredentials: func(ctx context.Context, c connector.Credentials) error {
				return creds.SetCredentials(ctx, tenant, id, c)
			},
		})
	}
}
