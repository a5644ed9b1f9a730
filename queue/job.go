package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// DefaultQueue is the queue a job goes to when Enqueue is not given one.
const DefaultQueue = "default"

// Job is one run of a job, as a Handler sees it.
type Job struct {
	// ID identifies the job; stable across its retries.
	ID string
	// Type routes the job to its handler (see Mux).
	Type string
	// Queue is the queue the job was enqueued on.
	Queue string
	// Payload is the job's data, as given to Enqueue.
	Payload []byte
	// Attempt is this run's number, from 1. A run cut short by a crashed
	// worker does not count: only handler failures move it on.
	Attempt int
	// MaxAttempts is how many failed runs the job gets before it is
	// dead-lettered.
	MaxAttempts int
	// UniqueKey is the job's unique key, if it was enqueued with one.
	UniqueKey string
	// EnqueuedAt is when the job was first enqueued.
	EnqueuedAt time.Time
	// LastError is the error of the previous failed run, if any.
	LastError string
}

// Decode unmarshals the job's JSON payload into v.
func (j *Job) Decode(v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return fmt.Errorf("queue: job %s (%s): decode payload: %w", j.ID, j.Type, err)
	}
	return nil
}

// EnqueueJSON enqueues a job whose payload is v encoded as JSON.
func EnqueueJSON(ctx context.Context, b Broker, typ string, v any, opts ...Option) (*EnqueueResult, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("queue: encode %s payload: %w", typ, err)
	}
	return b.Enqueue(ctx, typ, payload, opts...)
}

// JobState is where a job is in its life.
type JobState string

// The states of a job.
const (
	StatePending   JobState = "pending"   // waiting for a worker
	StateActive    JobState = "active"    // held by a worker
	StateScheduled JobState = "scheduled" // waiting for its run-at time
	StateRetry     JobState = "retry"     // failed, waiting for its next attempt
	StateDead      JobState = "dead"      // failed for good, kept for inspection
)

// JobInfo describes a stored job, for inspection (the dead-letter list).
type JobInfo struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Queue       string    `json:"queue"`
	Payload     []byte    `json:"payload"`
	State       JobState  `json:"state"`
	Attempts    int       `json:"attempts"`
	MaxAttempts int       `json:"max_attempts"`
	UniqueKey   string    `json:"unique_key,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	EnqueuedAt  time.Time `json:"enqueued_at"`
	// FailedAt is when the job last failed (dead jobs: when it died).
	FailedAt time.Time `json:"failed_at,omitzero"`
}

// EnqueueResult says what Enqueue did.
type EnqueueResult struct {
	// ID is the job's id: the new job's, or the pending job's that made
	// this enqueue a duplicate.
	ID    string
	Queue string
	// Duplicate reports that nothing was added: a job with the same ID,
	// or the same unique key, is already pending (or a follow-up of it is
	// already recorded).
	Duplicate bool
	// FollowUp reports that a job with the same unique key was running:
	// one more run of it was recorded, to start once the running one
	// finishes, so that what triggered this enqueue is not missed.
	FollowUp bool
}

// Stats describes one queue.
type Stats struct {
	Queue     string `json:"queue"`
	Paused    bool   `json:"paused"`
	Pending   int64  `json:"pending"`
	Active    int64  `json:"active"`
	Scheduled int64  `json:"scheduled"`
	Retry     int64  `json:"retry"`
	Dead      int64  `json:"dead"`
	// Processed and Failed count handler runs that succeeded and failed
	// since the queue was created.
	Processed int64 `json:"processed"`
	Failed    int64 `json:"failed"`
	// OldestPending is how long the oldest pending job has waited; zero
	// when nothing is pending.
	OldestPending time.Duration `json:"oldest_pending"`
}
