package main

import (
	"context"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// newSyncRunner returns the runner of the mailbox's syncs
// (connector/syncrun): its "sync" job pulls what changed since the
// stored cursor and commits each batch with the cursor that covers it
// and a message.received event per new message; a failed run is retried
// with backoff and resumes from the last committed batch. A completed
// sync is reported on out.
func (s *server) newSyncRunner() (*syncrun.Runner, error) {
	var publish func(context.Context, ...*store.Event)
	if s.events != nil {
		publish = s.events.Enqueue // deliver them, signed, after each commit
	}
	return syncrun.New(s.store, s.broker, syncrun.Options{
		Connect: syncrun.RegistryConnect(s.registry, s.store, s.logger),
		Events:  announce{on: s.events != nil},
		Publish: publish,
		Hooks: syncrun.Hooks{
			Sync: func(ctx context.Context, _, integration string) (context.Context, func(syncrun.Summary, error)) {
				return ctx, func(sum syncrun.Summary, err error) {
					if err == nil && sum.Outcome == syncrun.OutcomeCompleted {
						s.printf("synced %s: %d new messages\n", integration, sum.Inserted)
					}
				}
			},
		},
		Logger: s.logger,
	})
}
