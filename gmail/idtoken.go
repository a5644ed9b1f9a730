package gmail

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Google's OpenID Connect identity: who issues its id_tokens and where
// the keys that sign them are published.
const (
	// GoogleIssuer is the iss of Google's id_tokens (Google also writes
	// "accounts.google.com", which the verifier accepts for it).
	GoogleIssuer = "https://accounts.google.com"
	// GoogleJWKSURL is Google's JSON Web Key Set (the jwks_uri of
	// https://accounts.google.com/.well-known/openid-configuration).
	GoogleJWKSURL = "https://www.googleapis.com/oauth2/v3/certs"
)

// Errors of id_token verification.
var (
	// ErrIDToken: the id_token is missing, malformed, not signed by a key
	// of the issuer's key set, or issued by another issuer, for another
	// client, for another authorization (nonce) or access token
	// (at_hash), or expired.
	ErrIDToken = errors.New("gmail: invalid id_token")
	// ErrEmailNotVerified: the id_token is valid but has no email, or
	// Google does not vouch for it (email_verified is not true).
	ErrEmailNotVerified = errors.New("gmail: the account's email address is not verified")
)

// IDTokenConfig configures an IDTokenVerifier.
type IDTokenConfig struct {
	// ClientID is the OAuth client the id_tokens must be issued to
	// (their aud). Required.
	ClientID string
	// Issuer is the iss the id_tokens must have; "" means GoogleIssuer.
	// Tests use a gmailtest.Server's Issuer.
	Issuer string
	// JWKSURL is where the signing keys are fetched (and fetched again
	// when a token names a key not seen yet); "" means GoogleJWKSURL.
	// Tests use a gmailtest.Server's JWKSURL.
	JWKSURL string
	// HTTPClient fetches the keys; nil means a client with a 10-second
	// timeout.
	HTTPClient *http.Client
	// Now is the clock expiry is checked against; nil means time.Now.
	Now func() time.Time
}

// IDTokenVerifier verifies the id_tokens Google's token endpoint returns
// with an authorization whose scopes include openid and email
// (DefaultScopes): their RS256 signature against the issuer's published
// keys (kept in memory, fetched again for a key not seen), their issuer,
// audience and expiry, with github.com/coreos/go-oidc. It is safe for
// concurrent use; make one per client and keep it.
type IDTokenVerifier struct {
	v *oidc.IDTokenVerifier
}

// NewIDTokenVerifier returns a verifier for cfg. It validates cfg (a
// *ConfigError naming each bad field) and does no network I/O.
func NewIDTokenVerifier(cfg IDTokenConfig) (*IDTokenVerifier, error) {
	e := ConfigError{Context: "gmail: invalid id_token config"}
	if strings.TrimSpace(cfg.ClientID) == "" {
		e.Addf("ClientID", "is required")
	}
	if cfg.Issuer == "" {
		cfg.Issuer = GoogleIssuer
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = GoogleJWKSURL
	} else if u, err := url.Parse(cfg.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		e.Addf("JWKSURL", "must be an http(s) URL, got %q", cfg.JWKSURL)
	}
	if len(e.Fields) > 0 {
		return nil, &e
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), hc), cfg.JWKSURL)
	v := oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now})
	return &IDTokenVerifier{v: v}, nil
}

// Identity is the Google account an id_token vouches for.
type Identity struct {
	// Subject is the account's stable id (sub): an address can change
	// hands, the subject never does.
	Subject string
	// Email is the account's address, verified by Google.
	Email string
	// HostedDomain is the account's Google Workspace domain (hd); ""
	// for a consumer account.
	HostedDomain string
}

// idClaims are the claims read beyond those go-oidc checks.
type idClaims struct {
	Email         string    `json:"email"`
	EmailVerified boolClaim `json:"email_verified"`
	HostedDomain  string    `json:"hd"`
}

// boolClaim is a boolean claim that may come as a JSON string ("true"),
// as some of Google's older tokens have it.
type boolClaim bool

// UnmarshalJSON reads true, false, "true", "false" or null.
func (b *boolClaim) UnmarshalJSON(p []byte) error {
	switch strings.Trim(string(p), `"`) {
	case "true":
		*b = true
	case "false", "null", "":
		*b = false
	default:
		return fmt.Errorf("gmail: email_verified is %s, not a boolean", p)
	}
	return nil
}

// Verify checks rawIDToken (signature, issuer, audience, expiry; the
// nonce when nonce is not "") and returns the account it vouches for,
// whose email Google has verified. A token that fails a check is an
// ErrIDToken error, a valid one whose email is missing or unverified
// ErrEmailNotVerified. The key set is fetched on first use and again
// for an unknown key id; a failed fetch is an ErrIDToken error too
// (nothing it says can be trusted).
func (v *IDTokenVerifier) Verify(ctx context.Context, rawIDToken, nonce string) (*Identity, error) {
	id, _, err := v.verify(ctx, rawIDToken, nonce)
	return id, err
}

// VerifyToken verifies the id_token that came with tok (Exchange's
// token, when the authorization's scopes include openid) as Verify
// does, and checks that it was issued with tok's access token (its
// at_hash, when it has one, as Google's do).
func (v *IDTokenVerifier) VerifyToken(ctx context.Context, tok *oauth2.Token, nonce string) (*Identity, error) {
	if tok == nil {
		return nil, fmt.Errorf("%w: no token", ErrIDToken)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: the token response has no id_token (are the openid and email scopes asked for?)", ErrIDToken)
	}
	id, t, err := v.verify(ctx, raw, nonce)
	if err != nil {
		return nil, err
	}
	if t.AccessTokenHash != "" {
		if err := t.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrIDToken, err)
		}
	}
	return id, nil
}

func (v *IDTokenVerifier) verify(ctx context.Context, raw, nonce string) (*Identity, *oidc.IDToken, error) {
	t, err := v.v.Verify(ctx, raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	if nonce != "" && t.Nonce != nonce {
		return nil, nil, fmt.Errorf("%w: the nonce is not the authorization's", ErrIDToken)
	}
	var c idClaims
	if err := t.Claims(&c); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	if c.Email == "" || !c.EmailVerified {
		return nil, nil, ErrEmailNotVerified
	}
	return &Identity{Subject: t.Subject, Email: c.Email, HostedDomain: c.HostedDomain}, t, nil
}
