package outlook

import (
	"context"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/settings"
)

// Settings are the JSON settings a Factory reads from
// connector.Config.Settings:
//
//	{"email": "support@contoso.com", "folders": ["inbox", "archive"]}
//
// Only email is required; folders defaults to the inbox, see
// Config.Folders.
//
// Settings name no server: the integration's tokens go only to the
// Endpoint of FactoryOptions.Base, which the service configures, so
// whoever may change the settings cannot send them elsewhere.
type Settings struct {
	Email   string   `json:"email"`
	Folders []string `json:"folders,omitempty"`
}

// FactoryOptions configures Factory.
type FactoryOptions struct {
	// Base holds the settings that are not per integration (Endpoint,
	// HTTPClient, BatchSize, Limiter, retries, ...). Its Email, Folders,
	// TokenSource and Logger are ignored.
	Base Config
	// OAuth2 is the Microsoft OAuth client that refreshes the
	// integration's tokens (OAuth2Config); every new token, with the
	// refresh token Microsoft rotates on each use, is handed to
	// connector.Config.SaveCredentials before it is used. Nil uses the
	// stored access token until it expires, then calls fail with ErrAuth.
	OAuth2 *oauth2.Config
}

// Factory returns a connector.Factory that builds Connectors from JSON
// Settings and the integration's OAuth 2.0 credentials (or
// connector.Config.TokenSource). Bad settings give an error that
// errors.As finds as a *connector.ValidationError naming JSON fields
// ("email", "folders[0]"). It does no network I/O.
func Factory(opts FactoryOptions) connector.Factory {
	return func(ctx context.Context, cc connector.Config) (connector.Connector, error) {
		var s Settings
		if err := settings.Required(configContext, cc.Settings, &s); err != nil {
			return nil, err
		}
		cfg := opts.Base
		cfg.Email, cfg.Folders = s.Email, s.Folders
		cfg.Logger = settings.Logger(cc)
		cfg.TokenSource = nil
		if cc.TokenSource != nil || cc.Credentials.Kind() == connector.CredentialsOAuth2 {
			cfg.TokenSource = TokenSource(ctx, opts.OAuth2, cc)
		}
		c, err := New(cfg)
		if err != nil {
			return nil, settingsPaths().Rename(err)
		}
		return c, nil
	}
}

// settingsPaths maps Config field names to their JSON settings paths.
func settingsPaths() settings.Paths {
	return settings.Paths{"Email": "email", "Folders": "folders", "TokenSource": "credentials"}
}
