package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector/oauthtokens"
	"github.com/ucsp/integration/connector/signin"
	"github.com/ucsp/integration/gmail"
)

// googleOAuthConfig is the Google OAuth client of cfg, with the
// callback of this server and the endpoints cfg names.
func googleOAuthConfig(cfg *Config) *oauth2.Config {
	conf := gmail.OAuth2Config(cfg.Google.ID, cfg.Google.Secret, cfg.PublicBaseURL.String()+"/auth/google/callback")
	conf.Endpoint.AuthURL, conf.Endpoint.TokenURL = cfg.Gmail.AuthURL, cfg.Gmail.TokenURL
	return conf
}

// googleSignIn is the Google sign-in of the gmail provider, without
// OAuth client unless GOOGLE_CLIENT_ID is set. The mailbox is the
// id_token's verified email (its keys from GOOGLE_JWKS_URL, fetched on
// first use, kept), which users.getProfile must confirm
// (gmail.VerifySignIn). Consent is asked every time: Google returns a
// refresh token on consent only.
func googleSignIn(cfg *Config, now func() time.Time) signin.Provider {
	p := signin.Provider{
		Name: providerGmail, Label: "Google",
		Unverified: gmail.ErrEmailNotVerified, BadIdentity: gmail.ErrIDToken,
		Settings: func(addr string) json.RawMessage {
			b, _ := json.Marshal(gmail.Settings{Email: addr}) // cannot fail
			return b
		},
	}
	if cfg.Google.ID == "" {
		return p
	}
	verifier, verr := gmail.NewIDTokenVerifier(gmail.IDTokenConfig{
		ClientID: cfg.Google.ID, Issuer: cfg.Gmail.Issuer, JWKSURL: cfg.Gmail.JWKSURL, Now: now,
	})
	p.OAuth2 = googleOAuthConfig(cfg)
	p.Authorize = func(conf *oauth2.Config, hint, nonce string) signin.AuthRequest {
		return signin.AuthRequest(*gmail.NewAuthRequest(conf, gmail.AuthOptions{LoginHint: hint, ForceConsent: true, Nonce: nonce}))
	}
	p.Exchange = gmail.Exchange
	p.Verify = func(ctx context.Context, tok *oauth2.Token, expected, nonce string) (string, error) {
		if verr != nil {
			return "", verr
		}
		id, err := gmail.VerifySignIn(ctx, tok, gmail.SignInCheck{
			Verifier: verifier, Nonce: nonce, Expected: expected,
			API: gmail.Config{Endpoint: cfg.Gmail.APIURL, MaxRetries: 2},
		})
		if err != nil {
			return "", err
		}
		return id.Email, nil
	}
	return p
}

// googleTokens refreshes gmail tokens with the GOOGLE_CLIENT_ID client
// (none without it) and revokes a deleted integration's grant at
// GOOGLE_REVOKE_URL.
func googleTokens(cfg *Config) oauthtokens.Provider {
	p := oauthtokens.Provider{
		Revoke: func(ctx context.Context, tok *oauth2.Token) error {
			return gmail.Revoke(ctx, &http.Client{Timeout: oauthtokens.DefaultRevokeTimeout}, cfg.Gmail.RevokeURL, tok)
		},
	}
	if cfg.Google.ID != "" {
		conf := googleOAuthConfig(cfg)
		p.Refresh = func(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
			return gmail.Refresh(ctx, conf, tok)
		}
	}
	return p
}
