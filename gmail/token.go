package gmail

import (
	"context"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

// TokenSource returns the token source a Connector for cfg should use:
// cfg.TokenSource when set (a source shared with other parts of the
// integration), otherwise connector.OAuth2TokenSource's, which refreshes
// cfg.Credentials.OAuth2 through conf and hands every new token
// (rotated refresh token included) to cfg.SaveCredentials before using
// it. The source built here can also be told that the API rejected a
// token before its expiry (revoked, or a clock skew): the Connector then
// refreshes once and retries the call, and only a second 401 is an
// ErrAuth error. conf nil means no refresh: the stored token is used
// until it expires. It returns nil when cfg holds no token.
func TokenSource(ctx context.Context, conf *oauth2.Config, cfg connector.Config) oauth2.TokenSource {
	if cfg.TokenSource != nil || conf == nil {
		return connector.OAuth2TokenSource(ctx, conf, cfg)
	}
	src := connector.OAuth2TokenSource(ctx, conf, cfg)
	if src == nil {
		return nil
	}
	return &refreshingSource{ctx: ctx, conf: conf, cfg: cfg, cur: src}
}

// refreshingSource is a saving, reusing token source that can be forced
// to refresh.
type refreshingSource struct {
	ctx  context.Context
	conf *oauth2.Config
	cfg  connector.Config

	mu  sync.Mutex
	cur oauth2.TokenSource
}

// Token returns a valid token, refreshing (and saving) when needed.
func (s *refreshingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.Token()
}

// invalidate drops stale, the token the API rejected, when it is still
// the current one: the next Token refreshes with stale's refresh token.
// It reports whether a refresh will happen.
func (s *refreshingSource) invalidate(stale *oauth2.Token) bool {
	if stale.RefreshToken == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, err := s.cur.Token(); err == nil && cur.AccessToken != stale.AccessToken {
		return true // refreshed already, by a concurrent call
	}
	expired := *stale
	expired.Expiry = time.Unix(1, 0)
	cfg := s.cfg
	cfg.Credentials.OAuth2 = &expired
	s.cur = connector.OAuth2TokenSource(s.ctx, s.conf, cfg)
	return true
}

// invalidator is a token source that can be forced to refresh.
type invalidator interface {
	invalidate(stale *oauth2.Token) bool
}
