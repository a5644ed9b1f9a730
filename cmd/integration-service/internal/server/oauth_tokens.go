package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/internal/retry"
	"github.com/ucsp/integration/outlook"
	"github.com/ucsp/integration/store"
)

const (
	// refreshLockTTL bounds one refresh: a process that dies holding
	// the lock holds it no longer than this.
	refreshLockTTL = 30 * time.Second
	// tokenMargin: a token that expires sooner than this is refreshed
	// before use.
	tokenMargin = time.Minute
)

// errNoRefreshToken: the stored token cannot be refreshed.
var errNoRefreshToken = errors.New("no refresh token stored")

// oauthRefresher returns how tokens of provider are refreshed, or nil
// when it has no OAuth client configured.
func (a *App) oauthRefresher(provider string) func(context.Context, *oauth2.Token) (*oauth2.Token, error) {
	switch {
	case provider == providerGmail && a.cfg.Google.ID != "":
		conf := googleOAuthConfig(a.cfg)
		return func(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
			return gmail.Refresh(ctx, conf, tok)
		}
	case provider == providerOutlook && a.cfg.Microsoft.ID != "":
		conf := microsoftOAuthConfig(a.cfg)
		return func(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
			return outlook.Refresh(ctx, conf, tok)
		}
	}
	return nil
}

// tokenSource returns the token source of an OAuth integration's
// connectors in this process: tokens come from the store, and a refresh
// runs in one process at a time per integration (see refreshToken), or
// nil when the provider has no OAuth client configured.
func (a *App) tokenSource(in *store.Integration, creds connector.Credentials) oauth2.TokenSource {
	refresh := a.oauthRefresher(in.Provider)
	if refresh == nil || creds.OAuth2 == nil {
		return nil
	}
	return &sharedTokenSource{a: a, tenant: in.TenantID, id: in.ID, refresh: refresh, cur: creds.OAuth2}
}

// sharedTokenSource gives an integration's stored token while it is
// valid and refreshes it through App.refreshToken when it is not, or
// when the provider rejected it (Invalidate).
type sharedTokenSource struct {
	a          *App
	tenant, id string
	refresh    func(context.Context, *oauth2.Token) (*oauth2.Token, error)

	mu  sync.Mutex
	cur *oauth2.Token
	// stale is an access token the provider rejected: never used again.
	stale string
}

// Token returns a token valid for at least tokenMargin.
func (s *sharedTokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if usableToken(s.cur, s.stale, s.a.now().Add(tokenMargin)) {
		return s.cur, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*refreshLockTTL)
	defer cancel()
	old := s.stale
	if old == "" && s.cur != nil {
		old = s.cur.AccessToken
	}
	tok, err := s.a.refreshToken(ctx, s.tenant, s.id, s.refresh, old)
	if err != nil {
		return nil, err
	}
	s.cur, s.stale = tok, ""
	return tok, nil
}

// Invalidate implements connector.TokenInvalidator.
func (s *sharedTokenSource) Invalidate(staleAccess string) bool {
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

// usableToken reports whether tok can be used until until and is not
// the token whose access token is old (expiring, or rejected).
func usableToken(tok *oauth2.Token, old string, until time.Time) bool {
	return tok != nil && tok.AccessToken != "" && tok.AccessToken != old && (tok.Expiry.IsZero() || tok.Expiry.After(until))
}

// refreshToken replaces the integration's token whose access token is
// old (expiring, or rejected by the provider): it returns the stored
// token when another refresh has replaced old already and the
// replacement is valid, else refreshes and saves the new token (a
// rotated refresh token included) before returning it. Across processes
// one refresh per integration runs at a time: it holds a lease on the
// integration; the others wait for it and take the token it saved, so
// that a refresh token Google or Microsoft rotates is used once.
func (a *App) refreshToken(ctx context.Context, tenant, id string, refresh func(context.Context, *oauth2.Token) (*oauth2.Token, error), old string) (*oauth2.Token, error) {
	key, owner := "oauth-refresh:"+id, store.NewID()
	for {
		held, err := a.refreshLocks.Acquire(ctx, key, owner, refreshLockTTL)
		if err != nil {
			return nil, connector.TemporaryError("oauth refresh lock", err)
		}
		if held {
			break
		}
		select {
		case <-ctx.Done():
			return nil, connector.TemporaryError("oauth refresh: waiting for another process's refresh", ctx.Err())
		case <-time.After(retry.Backoff{Base: 50 * time.Millisecond, Max: 50 * time.Millisecond}.Delay(1)): // 25-50 ms
		}
		creds, err := a.store.Credentials(ctx, tenant, id)
		if err == nil && usableToken(creds.OAuth2, old, a.now().Add(tokenMargin)) {
			return creds.OAuth2, nil // the holder's refresh, saved
		}
	}
	defer func() { _ = a.refreshLocks.Release(context.WithoutCancel(ctx), key, owner) }()
	creds, err := a.store.Credentials(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if usableToken(creds.OAuth2, old, a.now().Add(tokenMargin)) {
		return creds.OAuth2, nil // replaced since the caller read it
	}
	if creds.OAuth2 == nil || creds.OAuth2.RefreshToken == "" {
		return nil, connector.AuthError("oauth refresh", errNoRefreshToken)
	}
	tok, err := refresh(ctx, creds.OAuth2)
	if err != nil {
		return nil, err
	}
	creds.OAuth2 = tok
	if err := a.store.SetCredentials(ctx, tenant, id, creds); err != nil {
		return nil, err // a token that could not be saved is not used
	}
	return tok, nil
}

// grantRevoker returns what revokes, once integration id of tenant is
// deleted, the grant its stored token holds at the provider: Google's
// (gmail.Revoke, at GOOGLE_REVOKE_URL), read now, before the delete
// takes it. Microsoft has no revocation of one grant's tokens (only of
// all a user's sessions, an administrator's act): for an outlook
// integration, and when nothing is stored, it does nothing. Google
// revokes the whole grant of an account to this OAuth client, which
// another integration of the same mailbox (another tenant's, say) holds
// too: while one remains, nothing is revoked. A failed revocation is
// logged; the integration is deleted all the same.
func (a *App) grantRevoker(ctx context.Context, tenant, id string) func(context.Context) {
	none := func(context.Context) {}
	in, err := a.store.GetIntegration(ctx, tenant, id)
	if err != nil || in.Provider != providerGmail {
		return none
	}
	creds, err := a.store.Credentials(ctx, tenant, id)
	if err != nil || creds.OAuth2 == nil {
		return none
	}
	tok, addr := creds.OAuth2, mailboxAddress(in.Provider, in.Config)
	return func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeTimeout)
		defer cancel()
		if shared, err := a.mailboxConnectedElsewhere(ctx, providerGmail, addr, id); err != nil || shared {
			a.logger.InfoContext(ctx, "the deleted integration's Google grant is kept: another integration of the mailbox holds it, or none could be ruled out",
				"integration_id", id, "error", err)
			return
		}
		err := gmail.Revoke(ctx, &http.Client{Timeout: revokeTimeout}, a.cfg.Gmail.RevokeURL, tok)
		switch {
		case errors.Is(err, connector.ErrAuth):
			a.logger.InfoContext(ctx, "the deleted integration's Google grant was revoked already", "integration_id", id)
		case err != nil:
			a.logger.WarnContext(ctx, "revoking the deleted integration's Google grant failed", "integration_id", id, "error", err)
		}
	}
}

// mailboxConnectedElsewhere reports whether an integration of provider
// other than id, in any tenant, is connected to the mailbox addr. It
// pages through the provider's integrations: for the rare deletion of an
// OAuth mailbox, never for a hot path.
func (a *App) mailboxConnectedElsewhere(ctx context.Context, provider, addr, id string) (bool, error) {
	opts := store.ListIntegrationsOptions{Provider: provider, ListOptions: store.ListOptions{Limit: store.MaxLimit}}
	for {
		page, err := a.store.ScanIntegrations(ctx, opts)
		if err != nil {
			return false, err
		}
		for _, in := range page.Items {
			if in.ID != id && strings.EqualFold(mailboxAddress(in.Provider, in.Config), addr) {
				return true, nil
			}
		}
		if page.NextCursor == "" {
			return false, nil
		}
		opts.Cursor = page.NextCursor
	}
}
