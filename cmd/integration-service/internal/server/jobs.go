package server

import (
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
)

// The job types the worker runs, and their attempts. The sync runner's
// (connector/syncrun) are syncrun.JobSync and syncrun.JobSweep; the send
// runner's (connector/sendrun) sendrun.JobSend.
const (
	syncMaxAttempts = 10
	sendMaxAttempts = 10
)

// The event types the server stores for delivery to the platform
// (besides the sync runner's: sync.completed, integration.error; and the
// send runner's: sendrun.EventMessageSent, sendrun.EventMessageFailed).
const (
	eventMessageReceived = syncrun.EventMessageReceived
	eventNeedsReauth     = syncrun.EventNeedsReauth
)

func (a *App) registerJobs() {
	a.jobs.HandleFunc(syncrun.JobSync, a.syncs.HandleSync)
	a.sends.Register(&a.jobs)  // sendrun.JobSend
	a.events.Register(&a.jobs) // outbox.JobDeliver, outbox.JobSweep
	a.jobs.HandleFunc(syncrun.JobSweep, a.syncs.HandleSweep)
	a.jobs.HandleFunc(jobCheckIntegrations, a.runCheckIntegrations)
	a.jobs.HandleFunc(jobCheckIntegration, a.runCheckIntegration)
	a.jobs.HandleFunc(jobRenewWatches, a.runRenewWatches)
	a.jobs.HandleFunc(jobRefreshTokens, a.runRefreshTokens)
	a.jobs.HandleFunc(jobSubscriptionLifecycle, a.runSubscriptionLifecycle)
}

// HandleJob registers h for jobs of type typ beside the server's own,
// measured like them: for deployments that add job types, and tests.
func (a *App) HandleJob(typ string, h queue.Handler) { a.jobs.Handle(typ, h) }

// Broker returns the queue broker jobs are enqueued on.
func (a *App) Broker() queue.Broker { return a.broker }

// newWorker returns a worker running QUEUE_CONCURRENCY jobs at once.
func (a *App) newWorker() (*queue.Worker, error) {
	return queue.NewWorker(a.broker, queue.Chain(&a.jobs, a.metrics.jobMiddleware), queue.WorkerConfig{
		Concurrency:     a.cfg.QueueConcurrency,
		Lease:           a.cfg.QueueLease,
		ShutdownTimeout: a.cfg.ShutdownTimeout,
		Logger:          a.logger,
		Periodic: []queue.Periodic{a.events.Periodic(), a.syncs.SweepSchedule(a.cfg.SyncSweepInterval), {
			Name: jobCheckIntegrations, Every: a.cfg.HealthCheckInterval, Type: jobCheckIntegrations,
			Options: []queue.Option{queue.MaxAttempts(1)},
		}, {
			Name: jobRenewWatches, Every: a.cfg.WatchRenewInterval, Type: jobRenewWatches,
			Options: []queue.Option{queue.MaxAttempts(1)},
		}, {
			Name: jobRefreshTokens, Every: a.cfg.TokenRefreshInterval, Type: jobRefreshTokens,
			Options: []queue.Option{queue.MaxAttempts(1)},
		}},
	})
}
