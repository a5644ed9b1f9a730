package server

import (
	"context"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// guardError: the integration's config names servers the host guard
// refuses now (a DNS record changed since the config was accepted).
type guardError struct{ fields []fieldError }

func (e *guardError) Error() string {
	return fmt.Sprintf("integration names a refused server: %s %s", e.fields[0].Field, e.fields[0].Message)
}

// Is makes a guardError a permanent connector error: retrying will not
// help until the config or the DNS changes.
func (e *guardError) Is(target error) bool { return target == connector.ErrPermanent }

// buildConnector builds in's connector with its decrypted credentials,
// after checking its servers with the host guard again (a name that
// resolved to a public address at creation may not any more). Rotated
// credentials the connector obtains are saved.
func (a *App) buildConnector(ctx context.Context, in *store.Integration) (connector.Connector, error) {
	if errs := a.hosts.check(ctx, endpoints(in.Provider, in.Config)); len(errs) > 0 {
		return nil, &guardError{fields: errs}
	}
	creds, err := a.store.Credentials(ctx, in.TenantID, in.ID)
	if err != nil {
		return nil, fmt.Errorf("credentials of integration %s: %w", in.ID, err)
	}
	tenant, id := in.TenantID, in.ID
	return a.registry.New(ctx, connector.Config{
		Provider:      in.Provider,
		IntegrationID: in.ID,
		Settings:      in.Config,
		Credentials:   creds,
		SaveCredentials: func(ctx context.Context, c connector.Credentials) error {
			return a.store.SetCredentials(ctx, tenant, id, c)
		},
		// OAuth tokens are refreshed by one process at a time.
		TokenSource: a.tokens.TokenSource(in.Provider, in.TenantID, in.ID, creds.OAuth2),
		Logger:      a.logger,
	})
}
