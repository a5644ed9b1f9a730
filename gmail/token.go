package gmail

import (
	"context"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

// TokenSource returns the token source a Connector for cfg should use:
// cfg.TokenSource when set (a source shared with other parts of the
// integration), otherwise connector.OAuth2TokenSource's, which refreshes
// cfg.Credentials.OAuth2 through conf and hands every new token
// (rotated refresh token included) to cfg.SaveCredentials before using
// it. The source built here (connector.RefreshableTokenSource) can
// also be told that the API rejected a token before its expiry
// (revoked, or a clock skew): the Connector then refreshes once and
// retries the call, and only a second 401 is an ErrAuth error. conf nil
// means no refresh: the stored token is used until it expires. It
// returns nil when cfg holds no token.
func TokenSource(ctx context.Context, conf *oauth2.Config, cfg connector.Config) oauth2.TokenSource {
	return connector.RefreshableTokenSource(ctx, conf, cfg)
}
