package server

import (
	"github.com/ucsp/integration/queue"
)

// registerJobs adds the processor of every job type (job_types.go).
func (a *App) registerJobs() {
	a.jobs.HandleFunc(jobSync, a.syncs.HandleSync)
	a.jobs.HandleFunc(jobSweepSyncs, a.syncs.HandleSweep)
	a.jobs.HandleFunc(jobCheckIntegration, a.checks.HandleCheck)
	a.jobs.HandleFunc(jobCheckIntegrations, a.checks.HandleCheckAll)
	a.events.Register(&a.jobs) // jobDeliverEvent, jobSweepEvents (newOutbox names them)
	a.jobs.HandleFunc(jobSend, a.sends.HandleSend)
	a.jobs.HandleFunc(jobRenewWatches, a.push.HandleRenew)
	a.jobs.HandleFunc(jobSubscriptionLifecycle, a.push.HandleLifecycle)
	a.jobs.HandleFunc(jobRefreshTokens, a.runRefreshTokens)
}

// HandleJob registers h for jobs of type typ beside the server's own,
// measured like them: for deployments that add job types, and tests.
func (a *App) HandleJob(typ string, h queue.Handler) { a.jobs.Handle(typ, h) }

// Broker returns the queue broker jobs are enqueued on.
func (a *App) Broker() queue.Broker { return a.broker }

// newWorker returns a worker running QUEUE_CONCURRENCY jobs at once, and
// the periodic jobs.
func (a *App) newWorker() (*queue.Worker, error) {
	once := []queue.Option{queue.MaxAttempts(1)}
	return queue.NewWorker(a.broker, queue.Chain(&a.jobs, a.metrics.jobMiddleware), queue.WorkerConfig{
		Concurrency:     a.cfg.QueueConcurrency,
		Lease:           a.cfg.QueueLease,
		ShutdownTimeout: a.cfg.ShutdownTimeout,
		Logger:          a.logger,
		Periodic: []queue.Periodic{
			a.events.Periodic(),
			a.syncs.SweepSchedule(a.cfg.SyncSweepInterval),
			a.checks.Schedule(a.cfg.HealthCheckInterval),
			a.push.RenewSchedule(a.cfg.WatchRenewInterval),
			{Name: jobRefreshTokens, Every: a.cfg.TokenRefreshInterval, Type: jobRefreshTokens, Options: once},
		},
	})
}
