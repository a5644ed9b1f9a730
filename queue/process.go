package queue

import (
	"context"
	"errors"
	"runtime/debug"
	"time"
)

// process runs one delivery and records its outcome with the broker.
func (w *Worker) process(ctx context.Context, d *delivery) {
	job := &d.job
	timeout := w.cfg.JobTimeout
	if t := d.timeout; t > 0 {
		timeout = t
	}
	jctx, cancel := context.WithTimeout(ctx, timeout)
	err := w.call(jctx, job)
	cancel()
	w.calling.Add(-1)
	w.calls.Done()

	// Broker writes must outlive a shutdown.
	bctx, bcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer bcancel()
	switch {
	case err == nil:
		if cerr := w.broker.complete(bctx, d); cerr != nil {
			w.log.Warn("queue: acknowledging a job failed; it will run again", "job", job.ID, "type", job.Type, "error", cerr)
		}
	case ctx.Err() != nil:
		// Shut down under the job: hand it back, not counted.
		if rerr := w.broker.release(bctx, d); rerr != nil {
			w.log.Warn("queue: handing back a job failed; it runs again after its lease", "job", job.ID, "error", rerr)
		}
	default:
		next := w.nextAttempt(job, err)
		if next.IsZero() {
			w.log.Warn("queue: job dead-lettered", "job", job.ID, "type", job.Type, "attempt", job.Attempt, "error", err)
		}
		if ferr := w.broker.fail(bctx, d, next, err); ferr != nil {
			w.log.Warn("queue: recording a failed run failed; it runs again after its lease", "job", job.ID, "error", ferr)
		}
	}
}

// nextAttempt returns when a job that failed with err runs again, or zero
// when it is dead.
func (w *Worker) nextAttempt(job *Job, err error) time.Time {
	if errors.Is(err, ErrSkipRetry) || job.Attempt >= job.MaxAttempts {
		return time.Time{}
	}
	var at *RetryAtError
	if errors.As(err, &at) && !at.At.IsZero() {
		return at.At
	}
	return time.Now().Add(w.cfg.Backoff(job.Attempt))
}

// call runs the handler, turning a panic into a *PanicError.
func (w *Worker) call(ctx context.Context, job *Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
			w.log.Error("queue: handler panicked", "job", job.ID, "type", job.Type, "panic", r)
		}
	}()
	return w.handler.ProcessJob(ctx, job)
}
