package syncrun

import (
	"context"
	"time"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// HandleSweep is the handler of JobSweep jobs: it runs Sweep. Register
// adds it to a queue.Mux.
func (r *Runner) HandleSweep(ctx context.Context, _ *queue.Job) error {
	_, err := r.Sweep(ctx)
	return err
}

// Sweep triggers the (coalesced) sync of every active integration of the
// providers synced, across tenants, and returns how many it triggered or
// found pending: the catch-up that makes a lost push, a dropped IDLE
// connection or a missed notification cost at most one sweep interval
// of delay, never a message.
func (r *Runner) Sweep(ctx context.Context) (int, error) {
	n := 0
	err := r.each(ctx, store.ListIntegrationsOptions{Status: store.StatusActive}, func(in *store.Integration) error {
		if !r.synced(in.Provider) {
			return nil
		}
		if _, err := r.Trigger(ctx, in.TenantID, in.ID); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// SweepSchedule returns the schedule of the sweep for a worker's
// WorkerConfig.Periodic: a JobSweep job every period, one attempt (the
// next period's is the retry).
func (r *Runner) SweepSchedule(every time.Duration) queue.Periodic {
	return queue.Periodic{Name: JobSweep, Every: every, Type: JobSweep, Options: []queue.Option{queue.MaxAttempts(1)}}
}

// each calls fn for every integration of every tenant that opts
// selects, page by page.
func (r *Runner) each(ctx context.Context, opts store.ListIntegrationsOptions, fn func(*store.Integration) error) error {
	opts.Limit = store.MaxLimit
	for {
		page, err := r.store.ScanIntegrations(ctx, opts)
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
