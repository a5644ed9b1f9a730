package server

import (
	"context"
	"errors"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// tokenRefreshAhead: the job refreshes tokens that expire within it.
const tokenRefreshAhead = 15 * time.Minute

func (a *App) runRefreshTokens(ctx context.Context, _ *queue.Job) error {
	// Sign-ins abandoned more than oauthStateTTL ago leave their states
	// behind: expired, useless, removed here.
	if _, err := a.store.DeleteExpiredOAuthStates(ctx, a.now()); err != nil {
		a.logger.WarnContext(ctx, "removing expired OAuth states failed", "error", err)
	}
	_, err := a.refreshTokens(ctx)
	return err
}

// refreshTokens refreshes the token of every active OAuth integration
// that expires within tokenRefreshAhead, and returns how many it
// refreshed. A refused grant marks the integration needs_reauth; other
// failures are left for the next round (or the next use).
func (a *App) refreshTokens(ctx context.Context) (int, error) {
	n := 0
	err := a.eachIntegration(ctx, store.ListIntegrationsOptions{Status: store.StatusActive}, func(in *store.Integration) error {
		refresh := a.oauthRefresher(in.Provider)
		if refresh == nil {
			return nil
		}
		creds, err := a.store.Credentials(ctx, in.TenantID, in.ID)
		if err != nil || creds.OAuth2 == nil || usableToken(creds.OAuth2, "", a.now().Add(tokenRefreshAhead)) {
			return nil // gone meanwhile, no token, or not due
		}
		if _, err := a.refreshToken(ctx, in.TenantID, in.ID, refresh, creds.OAuth2.AccessToken); err != nil {
			if errors.Is(err, connector.ErrAuth) {
				a.syncs.MarkIntegration(ctx, in, store.StatusNeedsReauth, err)
			} else {
				a.logger.WarnContext(ctx, "refreshing an OAuth token ahead of expiry failed", "integration_id", in.ID, "error", err)
			}
			return nil
		}
		n++
		return nil
	})
	return n, err
}
