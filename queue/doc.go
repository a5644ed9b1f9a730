// Package queue is a reliable job queue: producers enqueue jobs, workers
// run them with handlers, and every job runs at least once, whatever
// crashes in between.
//
// Two brokers keep the jobs: NewRedis, on Redis Streams with consumer
// groups, for any number of producers and workers across processes; and
// NewMemory, for one process (embedded mode, tests). Both pass the same
// conformance suite, queue/queuetest.
//
// # Enqueueing
//
//	res, err := broker.Enqueue(ctx, "sync", payload,
//		queue.Unique("sync:"+integrationID), // coalesce triggers
//		queue.MaxAttempts(10))
//
// Options set the job's id, its queue, a delay or run-at time, a unique
// key, its attempts and its timeout. A duplicate (same id or unique key
// pending) is a no-op that says so in EnqueueResult; a unique job enqueued
// while one with its key runs gets exactly one follow-up run, so a trigger
// arriving during a run is never lost.
//
// # Working
//
//	var mux queue.Mux
//	mux.HandleFunc("sync", syncIntegration)
//	w, err := queue.NewWorker(broker, &mux, queue.WorkerConfig{Concurrency: 50})
//	err = w.Run(ctx) // until ctx is done, then a graceful shutdown
//
// A job is acknowledged only after its handler returns nil. A worker that
// dies leaves its jobs leased; when the lease (WorkerConfig.Lease) runs out
// another worker claims them, and that run does not count as a failed
// attempt. Running jobs renew their lease, so long jobs are not claimed
// from under a live worker.
//
// # Failures
//
// A handler error retries the job with exponential backoff and jitter
// until its MaxAttempts, then moves it to the dead-letter set, where
// Broker.Dead, DeadJob, RequeueDead and DeleteDead inspect and repair it;
// nothing is dropped silently. Return an error wrapping ErrSkipRetry to
// dead-letter at once, or RetryAt / RetryAfter to choose the next
// attempt's time. A panic is a failed run.
//
// # Periodic jobs
//
// WorkerConfig.Periodic enqueues a job at every period boundary, once per
// period however many workers run the same schedule.
//
// # Operating
//
// Broker.Stats reports each queue's pending, active, scheduled, retry and
// dead jobs, its processed and failed counts and the age of its oldest
// pending job. Pause and Resume stop and restart a queue's workers.
package queue
