package outlook

import (
	"context"
	"errors"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/oauthflow"
)

// MicrosoftEndpoint returns the Microsoft identity platform v2.0
// endpoints of tenant ("common", "organizations", "consumers" or a
// tenant id), as golang.org/x/oauth2/microsoft.AzureADEndpoint does.
func MicrosoftEndpoint(tenant string) oauth2.Endpoint {
	if tenant == "" {
		tenant = "common"
	}
	base := "https://login.microsoftonline.com/" + url.PathEscape(tenant) + "/oauth2/v2.0/"
	return oauth2.Endpoint{AuthURL: base + "authorize", TokenURL: base + "token", AuthStyle: oauth2.AuthStyleInParams}
}

// The OAuth scopes an Outlook integration asks for.
const (
	// ScopeOfflineAccess gets a refresh token.
	ScopeOfflineAccess = "offline_access"
	ScopeMailRead      = "Mail.Read"
	ScopeMailSend      = "Mail.Send"
	ScopeUserRead      = "User.Read"
)

// DefaultScopes returns the scopes of a help-desk integration:
// offline_access Mail.Read Mail.Send User.Read.
func DefaultScopes() []string {
	return []string{ScopeOfflineAccess, ScopeMailRead, ScopeMailSend, ScopeUserRead}
}

// OAuth2Config returns the oauth2.Config of a Microsoft app registration
// for tenant ("" means "common"), with scopes (none means
// DefaultScopes). Tests replace Endpoint with a fake's
// (outlooktest.Server.OAuthEndpoint).
func OAuth2Config(tenant, clientID, clientSecret, redirectURL string, scopes ...string) *oauth2.Config {
	if len(scopes) == 0 {
		scopes = DefaultScopes()
	}
	return &oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL, Endpoint: MicrosoftEndpoint(tenant), Scopes: scopes}
}

// AuthOptions tunes NewAuthRequest.
type AuthOptions struct {
	// State is the state parameter; "" means a new random one. The
	// caller stores it server-side (single use, short-lived, bound to
	// the tenant) or signs it, and checks it at the callback.
	State string
	// LoginHint pre-fills the account.
	LoginHint string
	// Prompt is "select_account", "consent" or "login"; "" lets
	// Microsoft decide.
	Prompt string
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

// NewAuthRequest builds the authorization URL for conf: PKCE with S256
// and a state. The refresh token comes from the offline_access scope
// (Microsoft ignores Google's access_type).
func NewAuthRequest(conf *oauth2.Config, opts AuthOptions) *AuthRequest {
	var params []oauth2.AuthCodeOption
	if opts.Prompt != "" {
		params = append(params, oauth2.SetAuthURLParam("prompt", opts.Prompt))
	}
	return (*AuthRequest)(oauthflow.NewAuthRequest(conf, opts.State, opts.LoginHint, params...))
}

// NewState returns a random state parameter (256 bits, URL-safe).
func NewState() string {
	return oauthflow.NewState()
}

// Exchange trades the callback's code for a token, with the PKCE
// verifier of its AuthRequest. A refused code (invalid_grant, an AADSTS
// error: reused, expired, wrong verifier) is an ErrAuth error; a failing
// token endpoint ErrTemporary.
func Exchange(ctx context.Context, conf *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	tok, err := oauthflow.Exchange(ctx, conf, code, verifier)
	if err != nil {
		return nil, classify("outlook: oauth exchange", err)
	}
	return tok, nil
}

// Refresh refreshes tok now, whatever its expiry, for a job that
// refreshes tokens ahead of time. Microsoft returns a new refresh token
// on every refresh: save the result before using it. A revoked grant
// (invalid_grant, AADSTS50173 and friends) is an ErrAuth error: the
// integration needs the user to authorise again.
func Refresh(ctx context.Context, conf *oauth2.Config, tok *oauth2.Token) (*oauth2.Token, error) {
	fresh, err := oauthflow.Refresh(ctx, conf, tok)
	if errors.Is(err, oauthflow.ErrNoRefreshToken) {
		return nil, connector.AuthError("outlook: oauth refresh", err)
	}
	if err != nil {
		return nil, classify("outlook: oauth refresh", err)
	}
	return fresh, nil
}
