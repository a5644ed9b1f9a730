package connector

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/oauth2"
)

// OAuth2TokenSource returns the source of OAuth 2.0 access tokens for
// cfg: cfg.TokenSource when set, otherwise one built from
// cfg.Credentials.OAuth2 that refreshes through conf (when conf is not
// nil) and hands every new token to cfg.SaveCredentials before it is
// used, so that a rotated refresh token is never lost. A save that
// fails fails the Token call: a token the caller could not persist is
// not used.
//
// Without conf the stored access token is used as it is until it
// expires. Refreshes run on a context detached from ctx (ctx's values,
// not its cancellation), since the source outlives the call that built
// it. It returns nil when cfg has no OAuth 2.0 token and no TokenSource.
func OAuth2TokenSource(ctx context.Context, conf *oauth2.Config, cfg Config) oauth2.TokenSource {
	if cfg.TokenSource != nil {
		return cfg.TokenSource
	}
	tok := cfg.Credentials.OAuth2
	if tok == nil {
		return nil
	}
	if conf == nil {
		return oauth2.StaticTokenSource(tok)
	}
	bg := context.WithoutCancel(ctx)
	saving := &savingTokenSource{
		ctx: bg, src: conf.TokenSource(bg, tok),
		creds: cfg.Credentials, save: cfg.SaveCredentials, last: tok,
	}
	return oauth2.ReuseTokenSource(tok, saving)
}

// savingTokenSource hands every new token to save before returning it.
type savingTokenSource struct {
	ctx  context.Context
	src  oauth2.TokenSource
	save func(context.Context, Credentials) error

	mu    sync.Mutex
	creds Credentials
	last  *oauth2.Token
}

// Token returns the next token, saved first when it is new.
func (s *savingTokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.src.Token()
	if err != nil {
		return nil, err
	}
	if s.last != nil && t.AccessToken == s.last.AccessToken && t.RefreshToken == s.last.RefreshToken {
		return t, nil
	}
	if s.save != nil {
		creds := s.creds
		creds.OAuth2 = t
		if err := s.save(s.ctx, creds); err != nil {
			return nil, fmt.Errorf("connector: saving the refreshed OAuth 2.0 token: %w", err)
		}
		s.creds = creds
	}
	s.last = t
	return t, nil
}
