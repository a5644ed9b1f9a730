package server

import (
	"context"

	"github.com/ucsp/integration/connector/oauthtokens"
	"github.com/ucsp/integration/queue"
)

// jobRefreshTokens is the periodic job (TOKEN_REFRESH_INTERVAL) that
// removes expired OAuth states and refreshes the OAuth tokens about to
// expire (within 15 minutes), so that a sync or a send seldom waits for
// a refresh, and a revoked grant is found (and the integration marked
// needs_reauth) before mail is due.
const jobRefreshTokens = oauthtokens.JobRefresh

func (a *App) runRefreshTokens(ctx context.Context, j *queue.Job) error {
	// Sign-ins abandoned more than 10 minutes ago leave their states
	// behind: expired, useless, removed here.
	if _, err := a.signin.Sweep(ctx); err != nil {
		a.logger.WarnContext(ctx, "removing expired OAuth states failed", "error", err)
	}
	return a.tokens.HandleRefresh(ctx, j)
}
