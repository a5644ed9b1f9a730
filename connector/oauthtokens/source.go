package oauthtokens

import (
	"context"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// TokenSource returns the token source of integration integrationID of
// tenantID (of provider) for its connectors in this process, starting
// from tok, its stored token: it gives tok while it is valid for
// Options.Margin, and replaces it through Refresh when it is not, or
// when the provider rejected it (connector.TokenInvalidator), so that a
// refresh runs in one process at a time and its token is saved before
// use. Give it to connector.Config.TokenSource. It returns nil when the
// provider has no Refresh or tok is nil: the connector then uses the
// token as it is.
func (m *Manager) TokenSource(provider, tenantID, integrationID string, tok *oauth2.Token) oauth2.TokenSource {
	if m.refresher(provider) == nil || tok == nil {
		return nil
	}
	return &sharedSource{m: m, provider: provider, tenant: tenantID, id: integrationID, cur: tok}
}

// sharedSource gives an integration's stored token while it is valid
// and replaces it through Manager.Refresh when it is not, or when the
// provider rejected it (Invalidate).
type sharedSource struct {
	m                    *Manager
	provider, tenant, id string

	mu  sync.Mutex
	cur *oauth2.Token
	// stale is an access token the provider rejected: never used again.
	stale string
}

// Token returns a token valid for at least the Manager's margin.
func (s *sharedSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if usable(s.cur, s.stale, s.m.now().Add(s.m.margin)) {
		return s.cur, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*s.m.leaseTTL)
	defer cancel()
	old := s.stale
	if old == "" && s.cur != nil {
		old = s.cur.AccessToken
	}
	tok, err := s.m.Refresh(ctx, s.provider, s.tenant, s.id, old)
	if err != nil {
		return nil, err
	}
	s.cur, s.stale = tok, ""
	return tok, nil
}

// Invalidate implements connector.TokenInvalidator: the access token
// staleAccess was rejected, and the next Token replaces it. It reports
// false when no refresh can replace it (no refresh token).
func (s *sharedSource) Invalidate(staleAccess string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && s.cur.AccessToken != staleAccess {
		return true // refreshed already
	}
	if s.cur == nil || s.cur.RefreshToken == "" {
		return false
	}
	s.stale = staleAccess
	return true
}

// usable reports whether tok can be used until until and is not the
// token whose access token is old (expiring, or rejected).
func usable(tok *oauth2.Token, old string, until time.Time) bool {
	return tok != nil && tok.AccessToken != "" && tok.AccessToken != old && (tok.Expiry.IsZero() || tok.Expiry.After(until))
}
