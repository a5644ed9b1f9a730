package server

import (
	"context"
	"encoding/json"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector/oauthtokens"
	"github.com/ucsp/integration/connector/signin"
	"github.com/ucsp/integration/outlook"
)

// microsoftOAuthConfig is the Microsoft OAuth client of cfg, with the
// callback of this server and the endpoints cfg names.
func microsoftOAuthConfig(cfg *Config) *oauth2.Config {
	conf := outlook.OAuth2Config(cfg.Microsoft.Tenant, cfg.Microsoft.ID, cfg.Microsoft.Secret, cfg.PublicBaseURL.String()+"/auth/microsoft/callback")
	conf.Endpoint.AuthURL, conf.Endpoint.TokenURL = cfg.Graph.AuthURL, cfg.Graph.TokenURL
	return conf
}

// microsoftSignIn is the Microsoft sign-in of the outlook provider
// (scopes offline_access Mail.Read Mail.Send User.Read), without OAuth
// client unless MICROSOFT_CLIENT_ID is set. The mailbox is Graph's /me
// (mail, or the user principal name of an account without one), which
// must be the expected one (outlook.VerifySignIn); no nonce: the address
// does not come from an id_token.
func microsoftSignIn(cfg *Config) signin.Provider {
	p := signin.Provider{
		Name: providerOutlook, Label: "Microsoft",
		Settings: func(addr string) json.RawMessage {
			b, _ := json.Marshal(outlook.Settings{Email: addr}) // cannot fail
			return b
		},
	}
	if cfg.Microsoft.ID == "" {
		return p
	}
	p.OAuth2 = microsoftOAuthConfig(cfg)
	p.Authorize = func(conf *oauth2.Config, hint, _ string) signin.AuthRequest {
		return signin.AuthRequest(*outlook.NewAuthRequest(conf, outlook.AuthOptions{LoginHint: hint, Prompt: "select_account"}))
	}
	p.Exchange = outlook.Exchange
	p.Verify = func(ctx context.Context, tok *oauth2.Token, expected, _ string) (string, error) {
		return outlook.VerifySignIn(ctx, tok, outlook.SignInCheck{
			Expected: expected,
			API:      outlook.Config{Endpoint: cfg.Graph.APIURL, MaxRetries: 2},
		})
	}
	return p
}

// microsoftTokens refreshes outlook tokens with the MICROSOFT_CLIENT_ID
// client (none without it). Microsoft has no revocation of one grant's
// tokens (only of all a user's sessions, an administrator's act): a
// deleted integration's tokens are dropped.
func microsoftTokens(cfg *Config) oauthtokens.Provider {
	if cfg.Microsoft.ID == "" {
		return oauthtokens.Provider{}
	}
	conf := microsoftOAuthConfig(cfg)
	return oauthtokens.Provider{
		Refresh: func(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
			return outlook.Refresh(ctx, conf, tok)
		},
	}
}
