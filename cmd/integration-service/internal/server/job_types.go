package server

import (
	"github.com/ucsp/integration/connector/oauthtokens"
	"github.com/ucsp/integration/connector/pushwatch"
	"github.com/ucsp/integration/connector/sendrun"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/webhook/outbox"
)

// The job types the worker runs, every one, and where each is
// processed (registerJobs adds them, newWorker schedules the periodic
// ones). A name is stable: jobs queued by one version are run by the
// next.
const (
	// jobSync syncs one mailbox; jobSweepSyncs triggers every active
	// mailbox's sync (SYNC_SWEEP_INTERVAL). connector/syncrun.
	jobSync       = syncrun.JobSync
	jobSweepSyncs = syncrun.JobSweep
	// jobCheckIntegration tests one mailbox's connection and records its
	// health; jobCheckIntegrations enqueues one per mailbox
	// (HEALTH_CHECK_INTERVAL). connector/syncrun's Checks.
	jobCheckIntegration  = syncrun.JobCheck
	jobCheckIntegrations = syncrun.JobCheckAll
	// jobDeliverEvent posts one event to EVENTS_WEBHOOK_URL;
	// jobSweepEvents enqueues the deliveries a lost enqueue missed
	// (EVENTS_SWEEP_INTERVAL). webhook/outbox.
	jobDeliverEvent = outbox.JobDeliver
	jobSweepEvents  = outbox.JobSweep
	// jobSend sends one outbox entry. connector/sendrun.
	jobSend = sendrun.JobSend
	// jobRenewWatches is the periodic job (WATCH_RENEW_INTERVAL) that
	// renews every push registration due for renewal: a Gmail watch
	// lasts 7 days and is renewed daily, so that a renewal that fails for
	// a few days in a row still leaves a working watch.
	// jobSubscriptionLifecycle acts on a Graph lifecycle notification:
	// reauthorize a subscription (reauthorizationRequired), make a new
	// one and sync (subscriptionRemoved), or sync (missed).
	// connector/pushwatch.
	jobRenewWatches          = pushwatch.JobRenew
	jobSubscriptionLifecycle = pushwatch.JobLifecycle
	// jobRefreshTokens is the periodic job (TOKEN_REFRESH_INTERVAL) that
	// removes expired OAuth states and refreshes the OAuth tokens about
	// to expire, so that a sync or a send seldom waits for a refresh,
	// and a revoked grant is found (and the integration marked
	// needs_reauth) before mail is due. connector/oauthtokens, run by
	// oauth_refresh_job.go.
	jobRefreshTokens = oauthtokens.JobRefresh
)

// The attempts of the server's jobs.
const (
	syncMaxAttempts = 10
	sendMaxAttempts = 10
)
