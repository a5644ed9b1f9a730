package server

import (
	"context"
	"encoding/json"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/outlook"
)

// microsoftOAuthConfig is the Microsoft OAuth client of cfg, with the
// callback of this server and the endpoints cfg names.
func microsoftOAuthConfig(cfg *Config) *oauth2.Config {
	conf := outlook.OAuth2Config(cfg.Microsoft.Tenant, cfg.Microsoft.ID, cfg.Microsoft.Secret, cfg.PublicBaseURL.String()+"/auth/microsoft/callback")
	conf.Endpoint.AuthURL, conf.Endpoint.TokenURL = cfg.Graph.AuthURL, cfg.Graph.TokenURL
	return conf
}

// microsoft is the Microsoft sign-in of the outlook provider (scopes
// offline_access Mail.Read Mail.Send User.Read).
func (a *App) microsoft() *oauthProvider {
	return &oauthProvider{
		provider: providerOutlook, label: "Microsoft",
		configured: func() bool { return a.cfg.Microsoft.ID != "" },
		conf:       func() *oauth2.Config { return microsoftOAuthConfig(a.cfg) },
		start: func(conf *oauth2.Config, hint, _ string) (string, string, string) {
			// No nonce: the address comes from Graph, not from an id_token.
			req := outlook.NewAuthRequest(conf, outlook.AuthOptions{LoginHint: hint, Prompt: "select_account"})
			return req.URL, req.State, req.Verifier
		},
		exchange: outlook.Exchange,
		verify:   a.outlookSignIn,
		settings: func(addr string) json.RawMessage {
			b, _ := json.Marshal(outlook.Settings{Email: addr}) // cannot fail
			return b
		},
	}
}

// outlookSignIn returns the address of the mailbox tok opens (GET /me:
// mail, or the user principal name of an account without one), which
// must be expected (outlook.VerifySignIn). Microsoft has no per-token
// revocation: a refused sign-in's tokens are dropped.
func (a *App) outlookSignIn(ctx context.Context, tok *oauth2.Token, expected, _ string) (string, error) {
	addr, err := outlook.VerifySignIn(ctx, tok, outlook.SignInCheck{
		Expected: expected,
		API:      outlook.Config{Endpoint: a.cfg.Graph.APIURL, MaxRetries: 2},
	})
	if err != nil {
		return "", err
	}
	return strings.ToLower(addr), nil
}
