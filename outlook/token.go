package outlook

import (
	"context"
	"fmt"
	"net/url"

	"github.com/microsoft/kiota-abstractions-go/authentication"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

// TokenSource returns the token source a Connector for cfg should use:
// cfg.TokenSource when set (a source shared with other parts of the
// integration), otherwise connector.OAuth2TokenSource's, which refreshes
// cfg.Credentials.OAuth2 through conf and hands every new token to
// cfg.SaveCredentials before using it — Microsoft rotates the refresh
// token on every refresh, so each new one must be saved. The source
// built here (connector.RefreshableTokenSource) can also be forced to
// refresh when Graph rejects a token before its expiry: the Connector
// then refreshes once and retries, and only a second 401 is an ErrAuth
// error. conf nil means no refresh. It returns nil when cfg holds no
// token.
//
// One refresh at a time per integration across replicas is the caller's
// lock: take it around the refresh (a TokenSource wrapper, or
// cfg.SaveCredentials re-reading the stored token), as the server does.
func TokenSource(ctx context.Context, conf *oauth2.Config, cfg connector.Config) oauth2.TokenSource {
	return connector.RefreshableTokenSource(ctx, conf, cfg)
}

// AccessTokenProvider is a kiota authentication.AccessTokenProvider
// over an oauth2.TokenSource: wrap it in
// authentication.NewBaseBearerTokenAuthenticationProvider to give any
// msgraph-sdk-go request adapter tokens from src.
type AccessTokenProvider struct {
	src   oauth2.TokenSource
	hosts *authentication.AllowedHostsValidator
}

// NewAccessTokenProvider returns a provider of src's tokens for hosts
// ("graph.microsoft.com"; none means any host: the caller chose the
// base URL). A host given with a scheme is an error.
func NewAccessTokenProvider(src oauth2.TokenSource, hosts ...string) (*AccessTokenProvider, error) {
	v, err := authentication.NewAllowedHostsValidatorErrorCheck(hosts)
	if err != nil {
		return nil, fmt.Errorf("outlook: %w", err)
	}
	return &AccessTokenProvider{src: src, hosts: v}, nil
}

// GetAuthorizationToken returns the current access token, refreshing it
// when it expired.
func (p *AccessTokenProvider) GetAuthorizationToken(_ context.Context, u *url.URL, _ map[string]any) (string, error) {
	if u != nil && !p.hosts.IsUrlHostValid(u) {
		return "", nil
	}
	tok, err := p.src.Token()
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// GetAllowedHostsValidator returns the hosts tokens are sent to.
func (p *AccessTokenProvider) GetAllowedHostsValidator() *authentication.AllowedHostsValidator {
	return p.hosts
}
