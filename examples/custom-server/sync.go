package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// syncArgs is the payload of an "imap.sync" job.
type syncArgs struct {
	TenantID      string `json:"tenant_id"`
	IntegrationID string `json:"integration_id"`
}

// syncJob syncs one integration from its stored cursor, committing each
// batch with the cursor that covers it (and, with an outbox, a
// message.received event per new message, enqueued for delivery after
// the commit). An error retries the job with backoff; the next run
// resumes from the last committed batch.
func (s *server) syncJob(ctx context.Context, job *queue.Job) error {
	var args syncArgs
	if err := job.Decode(&args); err != nil {
		return fmt.Errorf("%w: %w", queue.ErrSkipRetry, err)
	}
	in, err := s.store.GetIntegration(ctx, args.TenantID, args.IntegrationID)
	if err != nil {
		return err
	}
	creds, err := s.store.Credentials(ctx, in.TenantID, in.ID)
	if err != nil {
		return err
	}
	c, err := s.registry.New(ctx, connector.Config{
		Provider: in.Provider, IntegrationID: in.ID, Settings: in.Config, Credentials: creds, Logger: s.logger,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", queue.ErrSkipRetry, err) // bad settings: retrying cannot help
	}
	if cl, ok := c.(io.Closer); ok {
		defer func() { _ = cl.Close() }()
	}

	state, err := s.store.SyncState(ctx, in.TenantID, in.ID)
	if err != nil {
		return err
	}
	version, inserted := state.Version, 0
	err = c.Sync(ctx, state.Cursor, func(ctx context.Context, b *connector.Batch) error {
		commit := &store.SyncCommit{
			TenantID: in.TenantID, IntegrationID: in.ID, Version: version,
			Cursor: b.Cursor, Messages: b.Messages, Changes: b.Changes,
		}
		if s.events != nil {
			commit.Events = receivedEvents
		}
		res, err := s.store.CommitSync(ctx, commit)
		if err != nil {
			return err
		}
		if s.events != nil {
			s.events.Enqueue(ctx, res.Events...)
		}
		version = res.Version
		inserted += len(res.Inserted)
		return nil
	})
	if err != nil {
		return err
	}
	s.printf("synced %s: %d new messages\n", in.ID, inserted)
	return nil
}
