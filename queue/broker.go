package queue

import (
	"context"
	"time"
)

// Broker keeps jobs: NewRedis returns one backed by Redis Streams,
// NewMemory one for a single process. Producers call Enqueue; a Worker
// pulls from the broker and runs handlers; operators inspect and repair
// through the other methods.
//
// The methods a Worker uses are unexported: Broker is implemented only by
// this package.
type Broker interface {
	// Enqueue adds a job of type typ. It returns when the job is stored
	// (or found to be a duplicate), or with ctx's error.
	Enqueue(ctx context.Context, typ string, payload []byte, opts ...Option) (*EnqueueResult, error)

	// Stats describes every queue the broker knows, sorted by name.
	Stats(ctx context.Context) ([]Stats, error)
	// Dead lists up to limit dead jobs of queue, most recent first.
	Dead(ctx context.Context, queue string, limit int) ([]*JobInfo, error)
	// DeadJob returns one dead job, or ErrNotFound.
	DeadJob(ctx context.Context, queue, id string) (*JobInfo, error)
	// RequeueDead makes a dead job pending again, with its attempts reset.
	RequeueDead(ctx context.Context, queue, id string) error
	// DeleteDead removes a dead job for good.
	DeleteDead(ctx context.Context, queue, id string) error
	// Pause stops workers from starting jobs of queue (running ones go
	// on); Resume lets them start again. Enqueueing is not affected.
	Pause(ctx context.Context, queue string) error
	// Resume undoes Pause.
	Resume(ctx context.Context, queue string) error
	// Close releases the broker's resources (not a Redis client it was
	// given).
	Close() error

	// fetch waits up to req.block for jobs and returns up to req.max of
	// them, leased to req.consumer for req.lease. Jobs whose lease ran out
	// are claimed again (without counting an attempt).
	fetch(ctx context.Context, req fetchRequest) ([]*delivery, error)
	// complete acknowledges a successful run. It may batch: a completion
	// not yet written when the process dies means one more run.
	complete(ctx context.Context, d *delivery) error
	// fail records a failed run: the job runs again at next, or is dead
	// when next is zero. The attempt counts.
	fail(ctx context.Context, d *delivery, next time.Time, err error) error
	// release hands a job back unrun (worker shutdown): due now, the
	// attempt not counted.
	release(ctx context.Context, d *delivery) error
	// extend renews the leases of running jobs.
	extend(ctx context.Context, consumer string, ds []*delivery, lease time.Duration) error
	// flush writes what complete and fail have batched.
	flush(ctx context.Context) error
}

// fetchRequest is what a worker asks of a broker's fetch.
type fetchRequest struct {
	// queues are the queues to take from, in the order to try them.
	queues []string
	// max is how many jobs to take at most; at least 1.
	max int
	// block is how long to wait when nothing is pending.
	block time.Duration
	// lease is how long the jobs are held before others may claim them.
	lease time.Duration
	// consumer names the worker.
	consumer string
}

// delivery is one job handed to a worker.
type delivery struct {
	job Job
	// timeout is the job's own Timeout option; zero for the worker's
	// default.
	timeout time.Duration
	// handle is the broker's own reference to the job (a stream entry
	// id, a memory record).
	handle any
}
