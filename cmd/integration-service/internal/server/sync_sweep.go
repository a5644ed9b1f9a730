package server

import (
	"context"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// jobSweepSync is the periodic job that enqueues a sync of every active
// mailbox integration (SYNC_SWEEP_INTERVAL): the catch-up that makes a
// lost push, a dropped IDLE connection or a missed notification cost at
// most one interval of delay, never a message.
const jobSweepSync = "sweep-sync"

func (a *App) runSweepSync(ctx context.Context, _ *queue.Job) error {
	_, err := a.sweepSync(ctx)
	return err
}

// sweepSync enqueues the (coalesced) sync job of every active
// integration that is not a custom source, and returns how many it
// enqueued or found already pending.
func (a *App) sweepSync(ctx context.Context) (int, error) {
	n := 0
	err := a.eachIntegration(ctx, store.ListIntegrationsOptions{Status: store.StatusActive}, func(in *store.Integration) error {
		if in.Provider == providerCustom {
			return nil
		}
		if _, err := a.enqueueSync(ctx, in.TenantID, in.ID); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// eachIntegration calls fn for every integration of every tenant that
// opts selects, page by page.
func (a *App) eachIntegration(ctx context.Context, opts store.ListIntegrationsOptions, fn func(*store.Integration) error) error {
	opts.Limit = store.MaxLimit
	for {
		page, err := a.store.ScanIntegrations(ctx, opts)
		if err != nil {
			return err
		}
		for _, in := range page.Items {
			if err := fn(in); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		opts.Cursor = page.NextCursor
	}
}
