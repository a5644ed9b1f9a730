// Package syncrun runs connectors' syncs into a store: the mailbox side
// of an integration service, for any store (store/memory,
// store/postgres, your own) and any queue.Broker.
//
// A Runner does, for each integration, what the integration service
// does: it pulls what changed since the stored cursor and commits each
// batch with its cursor and its events in one transaction, so that a
// crash redoes work and never skips or repeats it; it coalesces the
// triggers of a sync (a webhook, a listener's news, an API call); it
// sweeps every active mailbox now and then, so that a lost trigger costs
// delay, never a message; it keeps one real-time listener (IMAP IDLE)
// per mailbox across the deployment's processes; and it applies one
// error policy to the connectors' failures.
//
// It is not an event delivery mechanism: events are stored with the data
// they announce and handed to Options.Publish (an event outbox, such as
// one that signs and posts them). Nor is it an HTTP layer: webhooks and
// routes call Trigger.
//
// # Composing a Runner
//
//	r, err := syncrun.New(st, broker, syncrun.Options{
//		Connect:   syncrun.RegistryConnect(&registry, st, logger),
//		Providers: []string{"imap", "gmail", "outlook"}, // not "custom" sources
//		Publish:   outbox.Enqueue,                       // optional
//		Logger:    logger,
//	})
//	var mux queue.Mux
//	r.Register(&mux) // the "sync" and "sweep-sync" jobs
//	w, err := queue.NewWorker(broker, &mux, queue.WorkerConfig{
//		Periodic: []queue.Periodic{r.SweepSchedule(5 * time.Minute)},
//	})
//
// Then anything that learns of news calls Trigger:
//
//	res, err := r.Trigger(ctx, tenantID, integrationID)
//
// A burst of triggers yields one pending job; triggers during a running
// sync yield exactly one more run after it.
//
// # The sync
//
// A sync job loads the integration (a deleted or disabled one, or one of
// a provider not in Options.Providers, ends the job quietly), builds its
// connector with Options.Connect, and hands each batch to
// store.SyncCommit with the cursor version it read: a run that another
// has overtaken gets store.ErrConflict and ends quietly, so that two
// runs never both write. Each batch's events are published while the
// next batch commits. The sync sums up what it did in a Summary, which
// Hooks.Sync receives.
//
// # History
//
// What a mailbox held when its integration was created is its history:
// stored as the integration's store.Backfill says (all of it, since a
// date, or none), never announced as new mail unless its policy says
// so. The cut is a mark the connector takes (connector.Backfiller):
// Runner.TakeMark takes it when the integration is created, and the
// first sync starts from it (or takes it, when TakeMark was not called
// or failed). Messages the connector reports as history
// (connector.Message.History) that the mode leaves out are not
// committed; the batch that completes the history
// (connector.Batch.BackfillDone) stores one sync.backfill_completed.
// Mail after the mark is announced once, whenever it is synced.
//
// # Events
//
// An EventPolicy decides what is announced. DefaultEvents announces one
// message.received per new message a batch inserted (BatchInfo.Announced:
// not the history), one message.updated (what changed and the new state)
// or message.deleted per change the batch made to a stored message, a
// sync.backfill_completed with the batch that completes the history, and
// a sync.completed when the sync reaches the end. A policy sees each
// batch as the connector handed it over (its changes: deletions, flag
// changes, moves, resync markers) with the messages the commit inserted
// and the changes it really made (store.SyncResult.Changed: a state
// already stored is no change), inside the batch's transaction. Embed
// DefaultEvents to change one half.
//
// A change made through the API (a connector.Modifier's action) is
// followed by the store with ApplyActionResult, which announces it with
// source "api" in the same transaction; the sync that later sees that
// state announces nothing, and one that got there first leaves the
// action nothing to announce.
//
// # Errors
//
// JobError is the policy for every job that uses a connector, a
// deployment's own included (sending, push registrations): an auth
// failure marks the integration needs_reauth (MarkIntegration: the
// status and an integration.needs_reauth event in one transaction,
// announced once) and is not retried; a rate limit is retried when the
// provider said; a permanent failure is not retried and, when it is the
// integration's (ScopeIntegration), marks it error; anything else is
// retried with the queue's backoff.
//
// # Watchers
//
// Runner.Watchers runs a connector.Listener for each active integration
// of the providers that listen, exactly one per deployment: every
// process runs Watchers.Run, and the processes share the integrations
// through leases (queue/lease: Redis across processes, memory in one),
// each taking its fair share; a process that dies loses its watchers to
// the others within about a lease time. A listener that gives up is
// started again with backoff; its news calls Trigger.
//
// # Connectivity checks
//
// Runner.Checks tests integrations' connections (connector.Connector's
// Test) and records each outcome as the integration's health: now
// (Checks.Test, for an API's "test" button), or every integration of
// the providers synced that is not disabled, periodically
// (Checks.Register and Checks.Schedule: one JobCheckAll job enqueues a
// JobCheck per integration, one pending per integration). A test refused
// for its credentials marks an active integration needs_reauth with its
// event, as the error policy does; a passing test makes it active again.
//
// # Tracing and metrics
//
// Hooks are told when a sync starts and ends, when a batch commits and
// when a listener starts and ends, so that a deployment can open spans
// and count without this package importing a tracing or metrics
// library. Job runs are the queue's to measure (a queue.Middleware).
package syncrun
