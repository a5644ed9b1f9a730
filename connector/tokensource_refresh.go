package connector

import (
	"context"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// TokenInvalidator is a token source that can be forced to refresh:
// an API client that gets a 401 for a token before its expiry (revoked,
// or a clock skew) calls Invalidate with the rejected access token,
// then takes a new token from the source and retries once.
type TokenInvalidator interface {
	// Invalidate drops the token whose access token is staleAccess
	// when it is still the current one, so that the next Token
	// refreshes. It reports whether a refresh will happen (or happened
	// already, by a concurrent call).
	Invalidate(staleAccess string) bool
}

// RefreshableTokenSource returns OAuth2TokenSource's source for cfg,
// made a TokenInvalidator when it refreshes through conf: cfg.TokenSource
// when set and conf nil are returned as OAuth2TokenSource returns them
// (no forced refresh). Every token a forced refresh gets is saved
// through cfg.SaveCredentials before use, as OAuth2TokenSource's are. It
// returns nil when cfg holds no token.
func RefreshableTokenSource(ctx context.Context, conf *oauth2.Config, cfg Config) oauth2.TokenSource {
	src := OAuth2TokenSource(ctx, conf, cfg)
	if cfg.TokenSource != nil || conf == nil || src == nil {
		return src
	}
	return &refreshingTokenSource{ctx: ctx, conf: conf, cfg: cfg, cur: src}
}

// refreshingTokenSource is a saving, reusing token source that can be
// forced to refresh.
type refreshingTokenSource struct {
	ctx  context.Context
	conf *oauth2.Config
	cfg  Config

	mu  sync.Mutex
	cur oauth2.TokenSource
}

// Token returns a valid token, refreshing (and saving) when needed.
func (s *refreshingTokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.Token()
}

// Invalidate drops the token whose access token the API rejected, when
// it is still the current one: the next Token refreshes with its
// refresh token. It reports whether a refresh will happen.
func (s *refreshingTokenSource) Invalidate(staleAccess string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.cur.Token()
	if err == nil && cur.AccessToken != staleAccess {
		return true // refreshed already, by a concurrent call
	}
	if err != nil || cur.RefreshToken == "" {
		return false
	}
	expired := *cur
	expired.Expiry = time.Unix(1, 0)
	cfg := s.cfg
	cfg.Credentials.OAuth2 = &expired
	s.cur = OAuth2TokenSource(s.ctx, s.conf, cfg)
	return true
}
