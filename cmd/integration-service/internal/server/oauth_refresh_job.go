package server

import (
	"context"

	"github.com/ucsp/integration/queue"
)

// runRefreshTokens runs jobRefreshTokens (job_types.go).
func (a *App) runRefreshTokens(ctx context.Context, j *queue.Job) error {
	// Sign-ins abandoned more than 10 minutes ago leave their states
	// behind: expired, useless, removed here.
	if _, err := a.signin.Sweep(ctx); err != nil {
		a.logger.WarnContext(ctx, "removing expired OAuth states failed", "error", err)
	}
	return a.tokens.HandleRefresh(ctx, j)
}
