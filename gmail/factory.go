package gmail

import (
	"context"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/settings"
)

// Settings are the JSON settings a Factory reads from
// connector.Config.Settings:
//
//	{"email": "support@example.com", "label": "INBOX",
//	 "query": "-category:promotions", "include_spam_trash": false}
//
// Only email is required; label defaults to INBOX ("*" is every
// message), see Config.
//
// Settings name no server: the integration's tokens go only to the
// Endpoint of FactoryOptions.Base, which the service configures, so
// whoever may change the settings cannot send them elsewhere.
type Settings struct {
	Email            string `json:"email"`
	Label            string `json:"label,omitempty"`
	Query            string `json:"query,omitempty"`
	IncludeSpamTrash bool   `json:"include_spam_trash,omitempty"`
}

// FactoryOptions configures Factory.
type FactoryOptions struct {
	// Base holds the settings that are not per integration (Endpoint,
	// HTTPClient, BatchSize, Concurrency, Quota, retries, ...). Its
	// Email, Label, Query, IncludeSpamTrash, TokenSource and Logger are
	// ignored.
	Base Config
	// OAuth2 is the Google OAuth client that refreshes the
	// integration's tokens (OAuth2Config); every new token is handed to
	// connector.Config.SaveCredentials before it is used. Nil uses the
	// stored access token until it expires, then calls fail with
	// ErrAuth.
	OAuth2 *oauth2.Config
}

// Factory returns a connector.Factory that builds Connectors from JSON
// Settings and the integration's OAuth 2.0 credentials (or
// connector.Config.TokenSource). Bad settings give an error that
// errors.As finds as a *connector.ValidationError naming JSON fields
// ("email", "label"). It does no network I/O.
func Factory(opts FactoryOptions) connector.Factory {
	return func(ctx context.Context, cc connector.Config) (connector.Connector, error) {
		var s Settings
		if err := settings.Required(configContext, cc.Settings, &s); err != nil {
			return nil, err
		}
		cfg := opts.Base
		cfg.Email, cfg.Label, cfg.Query, cfg.IncludeSpamTrash = s.Email, s.Label, s.Query, s.IncludeSpamTrash
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
	return settings.Paths{"Email": "email", "Label": "label", "Query": "query", "TokenSource": "credentials"}
}
