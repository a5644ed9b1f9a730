// Package oauthflow holds the provider-neutral steps of an OAuth 2.0
// authorization code flow with PKCE that the gmail and outlook
// connectors share: the authorization URL with an S256 challenge and a
// state, the code exchange with the verifier, a refresh now, and the
// first steps of classifying an API call's error (Classified,
// RefreshFailed: what a token endpoint's refusal means). The provider
// packages add their own parameters (Google's offline access and
// prompt=consent, Microsoft's prompt) and classify their APIs' errors.
package oauthflow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"

	"golang.org/x/oauth2"
)

// ErrNoRefreshToken is Refresh's error for a token without a refresh
// token.
var ErrNoRefreshToken = errors.New("no refresh token")

// AuthRequest is the start of one authorization: send the user to URL,
// keep State and Verifier for the callback.
type AuthRequest struct {
	URL string
	// State is the state parameter in URL.
	State string
	// Verifier is the PKCE code verifier to give Exchange. Secret: keep
	// it server-side.
	Verifier string
}

// NewAuthRequest builds the authorization URL for conf with state (""
// means a new random one, see NewState), a new PKCE verifier with its
// S256 challenge, then params, then login_hint when loginHint is set.
func NewAuthRequest(conf *oauth2.Config, state, loginHint string, params ...oauth2.AuthCodeOption) *AuthRequest {
	if state == "" {
		state = NewState()
	}
	verifier := oauth2.GenerateVerifier()
	opts := make([]oauth2.AuthCodeOption, 0, len(params)+2)
	opts = append(opts, params...)
	opts = append(opts, oauth2.S256ChallengeOption(verifier))
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	return &AuthRequest{URL: conf.AuthCodeURL(state, opts...), State: state, Verifier: verifier}
}

// NewState returns a random state parameter (256 bits, URL-safe).
func NewState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Exchange trades the callback's code for a token, with the PKCE
// verifier of its AuthRequest. The error is the token endpoint's, for
// the caller to classify.
func Exchange(ctx context.Context, conf *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	return conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
}

// Refresh refreshes tok now, whatever its expiry, with its refresh
// token. A tok without one is ErrNoRefreshToken; any other error is the
// token endpoint's, for the caller to classify.
func Refresh(ctx context.Context, conf *oauth2.Config, tok *oauth2.Token) (*oauth2.Token, error) {
	if tok == nil || tok.RefreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	return conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
}
