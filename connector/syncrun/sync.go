package syncrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// Outcome says how a sync ended.
type Outcome string

// The outcomes of a sync.
const (
	// OutcomeCompleted: the sync reached the end of the mailbox's
	// changes.
	OutcomeCompleted Outcome = "completed"
	// OutcomeFailed: it failed; the batches committed before the failure
	// stay, and the next run resumes after them.
	OutcomeFailed Outcome = "failed"
	// OutcomeSuperseded: another run of the same integration committed
	// meanwhile (its cursor version moved on: store.ErrConflict); that
	// run owns the work now, and this one stopped without writing.
	OutcomeSuperseded Outcome = "superseded"
	// OutcomeDeleted: the integration is gone, or went during the sync.
	OutcomeDeleted Outcome = "deleted"
	// OutcomeDisabled: the integration is disabled; nothing was done.
	OutcomeDisabled Outcome = "disabled"
	// OutcomeNotSynced: the integration's provider is not one of
	// Options.Providers; nothing was done.
	OutcomeNotSynced Outcome = "not_synced"
)

// Summary is what one sync did.
type Summary struct {
	Outcome Outcome
	// Batches counts the batches committed.
	Batches int
	// Inserted, Updated and Deleted add up the batches' store.SyncResult.
	Inserted, Updated, Deleted int
	// Resync: a batch said the connector started over (ChangeResync).
	Resync bool
}

// HandleSync is the handler of JobSync jobs: it decodes the job and runs
// Sync. Register adds it to a queue.Mux.
func (r *Runner) HandleSync(ctx context.Context, job *queue.Job) error {
	var p syncPayload
	if err := job.Decode(&p); err != nil {
		return fmt.Errorf("%w: syncrun: sync payload: %w", queue.ErrSkipRetry, err)
	}
	_, err := r.Sync(ctx, p.TenantID, p.IntegrationID)
	return err
}

// Sync pulls what changed in the tenant's integration since its stored
// cursor and commits each batch with its cursor and the events the
// EventPolicy announces it with, in one transaction: a crash redoes
// work, never skips or repeats it. Each batch's events are published
// while the next batch commits; a sync that reaches the end stores the
// policy's closing events (sync.completed) and publishes them.
//
// Every run is fenced by the cursor's version: a run that finds another
// has committed since it started (a job taken over after its lease ran
// out, a sync run by hand) ends quietly, OutcomeSuperseded. A deleted
// integration, a disabled one or one of a provider not synced ends
// quietly too. A connector failure goes through the error policy
// (JobError) and the error returned is what the job fails with.
//
// HandleSync runs it for a job; call it directly to sync without a
// queue (concurrent calls are safe: all but one are superseded).
func (r *Runner) Sync(ctx context.Context, tenant, integration string) (sum Summary, err error) {
	if r.hooks.Sync != nil {
		var end func(Summary, error)
		ctx, end = r.hooks.Sync(ctx, tenant, integration)
		if end != nil {
			defer func() { end(sum, err) }()
		}
	}
	in, err := r.store.GetIntegration(ctx, tenant, integration)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Summary{Outcome: OutcomeDeleted}, nil
	case err != nil:
		return Summary{Outcome: OutcomeFailed}, err
	case !r.synced(in.Provider):
		return Summary{Outcome: OutcomeNotSynced}, nil
	case in.Status == store.StatusDisabled:
		return Summary{Outcome: OutcomeDisabled}, nil
	}
	c, err := r.connect(ctx, in)
	if err != nil {
		return Summary{Outcome: OutcomeFailed}, r.JobError(ctx, in, "sync: connector", err, ScopeIntegration)
	}
	defer closeConnector(c)
	state, err := r.store.SyncState(ctx, in.TenantID, in.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Summary{Outcome: OutcomeDeleted}, nil // deleted meanwhile
	case err != nil:
		return Summary{Outcome: OutcomeFailed}, err
	}

	start, err := r.startCursor(ctx, in, c, state.Cursor)
	if err != nil {
		return Summary{Outcome: OutcomeFailed}, r.JobError(ctx, in, "sync: backfill mark", err, ScopeIntegration)
	}
	version := state.Version
	var published sync.WaitGroup
	var backfill BackfillStats
	err = c.Sync(ctx, start, func(ctx context.Context, b *connector.Batch) error {
		start := time.Now()
		b = applyBackfill(in.Backfill, b, &backfill)
		base, stats := backfill, backfill
		res, err := r.store.CommitSync(ctx, &store.SyncCommit{
			TenantID: in.TenantID, IntegrationID: in.ID, Version: version,
			Cursor: b.Cursor, Messages: b.Messages, Changes: b.Changes,
			Announce: func(res *store.SyncResult) ([]*store.Event, error) {
				bi := &BatchInfo{Integration: in, Batch: b, Inserted: res.Inserted, Changed: res.Changed}
				bi.Backfill = base // a retried transaction counts from the batch's start again
				countInserted(bi, &bi.Backfill)
				stats = bi.Backfill
				return r.events.BatchEvents(ctx, bi)
			},
		})
		if err != nil {
			return err
		}
		backfill = stats
		version = res.Version
		sum.Batches++
		sum.Inserted, sum.Updated, sum.Deleted = sum.Inserted+len(res.Inserted), sum.Updated+res.Updated, sum.Deleted+res.Deleted
		sum.Resync = sum.Resync || res.Resync
		if r.hooks.Batch != nil {
			r.hooks.Batch(ctx, in, BatchStats{
				Messages: len(b.Messages), Changes: len(b.Changes), Inserted: len(res.Inserted), Updated: res.Updated,
				Deleted: res.Deleted, Events: len(res.Events), Commit: time.Since(start),
			})
		}
		// The batch's events are published while the next batch commits
		// (they are stored already: a lost publish is the outbox sweep's).
		if r.publish != nil && len(res.Events) > 0 {
			published.Go(func() { r.publish(ctx, res.Events...) })
		}
		return nil
	})
	published.Wait()
	switch {
	case errors.Is(err, store.ErrConflict):
		sum.Outcome = OutcomeSuperseded // another run moved the cursor on; it owns the work now
		return sum, nil
	case errors.Is(err, store.ErrNotFound):
		sum.Outcome = OutcomeDeleted // the integration was deleted meanwhile
		return sum, nil
	case err != nil:
		sum.Outcome = OutcomeFailed
		return sum, r.JobError(ctx, in, "sync", err, ScopeIntegration)
	}
	sum.Outcome = OutcomeCompleted
	events, err := r.events.SyncEvents(ctx, in, sum)
	if err == nil && len(events) > 0 {
		err = r.store.InsertEvents(ctx, events...)
	}
	if err != nil {
		sum.Outcome = OutcomeFailed
		return sum, err
	}
	r.emit(ctx, events)
	return sum, nil
}

// closeConnector closes c if it holds resources.
func closeConnector(c connector.Connector) {
	if cl, ok := c.(io.Closer); ok {
		_ = cl.Close()
	}
}
