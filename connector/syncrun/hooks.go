package syncrun

import (
	"context"
	"time"

	"github.com/ucsp/integration/store"
)

// Hooks let a deployment trace and measure a Runner without the Runner
// importing a tracing or metrics library. Each is optional; each is
// called on the goroutine of the work it reports and must not block.
//
// Job runs themselves (their duration and outcome) are the queue's to
// report: wrap the worker's handler in a queue.Middleware.
type Hooks struct {
	// Sync is called when a sync of an integration starts. The context it
	// returns is the one the sync runs in (carrying a span, say); end is
	// called once when the sync ends, with its summary and the error the
	// job fails with (nil when it did not fail). A nil end is not called.
	Sync func(ctx context.Context, tenant, integration string) (_ context.Context, end func(Summary, error))
	// Batch is called after each batch of a sync commits.
	Batch func(ctx context.Context, in *store.Integration, b BatchStats)
	// Listen is called when a watcher starts an integration's listener;
	// the context it returns is the listener's, and end is called with
	// the error the listener returned (ctx's error when it was stopped).
	Listen func(ctx context.Context, in *store.Integration) (_ context.Context, end func(error))
}

// BatchStats describes one committed batch.
type BatchStats struct {
	// Messages and Changes count what the connector handed over.
	Messages, Changes int
	// Inserted, Updated and Deleted count what the commit changed (see
	// store.SyncResult).
	Inserted, Updated, Deleted int
	// Events counts the events stored with the batch.
	Events int
	// Commit is how long the store took to commit it.
	Commit time.Duration
}
