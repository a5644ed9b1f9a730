package gmail

import (
	"context"
	"errors"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/oauthflow"
)

// GoogleEndpoint is Google's OAuth 2.0 endpoints (as
// golang.org/x/oauth2/google.Endpoint, without importing that package
// and its cloud dependencies).
var GoogleEndpoint = oauth2.Endpoint{
	AuthURL:   "https://accounts.google.com/o/oauth2/auth",
	TokenURL:  "https://oauth2.googleapis.com/token",
	AuthStyle: oauth2.AuthStyleInParams,
}

// The OAuth scopes a Gmail integration asks for.
const (
	ScopeReadonly = "https://www.googleapis.com/auth/gmail.readonly"
	ScopeSend     = "https://www.googleapis.com/auth/gmail.send"
	// ScopeModify is needed only to write flags or labels back.
	ScopeModify = "https://www.googleapis.com/auth/gmail.modify"
	ScopeOpenID = "openid"
	ScopeEmail  = "email"
)

// DefaultScopes returns the scopes of a help-desk integration: read
// mail, send mail, and the user's address (openid email).
func DefaultScopes() []string {
	return []string{ScopeReadonly, ScopeSend, ScopeOpenID, ScopeEmail}
}

// OAuth2Config returns the oauth2.Config of a Google OAuth client for
// Gmail: GoogleEndpoint, and scopes (none means DefaultScopes). Tests
// replace Endpoint with a fake's (gmailtest.Server.OAuthEndpoint).
func OAuth2Config(clientID, clientSecret, redirectURL string, scopes ...string) *oauth2.Config {
	if len(scopes) == 0 {
		scopes = DefaultScopes()
	}
	return &oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL, Endpoint: GoogleEndpoint, Scopes: scopes}
}

// AuthOptions tunes NewAuthRequest.
type AuthOptions struct {
	// State is the state parameter; "" means a new random one. The
	// caller stores it server-side (single use, short-lived, bound to
	// the tenant) or signs it, and checks it at the callback.
	State string
	// LoginHint pre-fills the account ("support@example.com").
	LoginHint string
	// ForceConsent shows the consent screen again (prompt=consent):
	// Google returns a refresh token only on the first consent, so ask
	// again when a mailbox's refresh token was lost or revoked.
	ForceConsent bool
	// Nonce, when set, is sent as the nonce parameter: Google puts it in
	// the id_token, and IDTokenVerifier checks it there, binding the
	// id_token to this authorization. Keep it with the state (NewState
	// makes a good one).
	Nonce string
}

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

// NewAuthRequest builds the authorization URL for conf: offline access
// (a refresh token), PKCE with S256, a state, and the login_hint and
// nonce of opts.
func NewAuthRequest(conf *oauth2.Config, opts AuthOptions) *AuthRequest {
	params := []oauth2.AuthCodeOption{oauth2.AccessTypeOffline}
	if opts.ForceConsent {
		params = append(params, oauth2.ApprovalForce)
	}
	if opts.Nonce != "" {
		params = append(params, oauth2.SetAuthURLParam("nonce", opts.Nonce))
	}
	return (*AuthRequest)(oauthflow.NewAuthRequest(conf, opts.State, opts.LoginHint, params...))
}

// NewState returns a random state parameter (256 bits, URL-safe).
func NewState() string {
	return oauthflow.NewState()
}

// Exchange trades the callback's code for a token, with the PKCE
// verifier of its AuthRequest. A refused code (invalid_grant: reused,
// expired, wrong verifier) is an ErrAuth error; a failing token
// endpoint ErrTemporary. The token has a refresh token on the first
// consent only (see AuthOptions.ForceConsent).
func Exchange(ctx context.Context, conf *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	tok, err := oauthflow.Exchange(ctx, conf, code, verifier)
	if err != nil {
		return nil, classify("gmail: oauth exchange", err)
	}
	return tok, nil
}

// Refresh refreshes tok now, whatever its expiry, for a job that
// refreshes tokens ahead of time; save the result (its RefreshToken is
// tok's when Google sent no new one). A revoked grant (invalid_grant)
// is an ErrAuth error: the integration needs the user to authorise
// again.
func Refresh(ctx context.Context, conf *oauth2.Config, tok *oauth2.Token) (*oauth2.Token, error) {
	fresh, err := oauthflow.Refresh(ctx, conf, tok)
	if errors.Is(err, oauthflow.ErrNoRefreshToken) {
		return nil, connector.AuthError("gmail: oauth refresh", err)
	}
	if err != nil {
		return nil, classify("gmail: oauth refresh", err)
	}
	return fresh, nil
}
