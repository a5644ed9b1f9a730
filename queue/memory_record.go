package queue

import (
	"bytes"
	"slices"
	"time"
)

// memState is where a memRecord is.
type memState int

const (
	memGone      memState = iota // completed, merged or deleted
	memPending                   // in its queue's FIFO
	memScheduled                 // in timed, until its run-at time
	memRetry                     // in timed, until its next attempt
	memActive                    // leased to a worker, in timed until the lease runs out
	memFollowUp                  // recorded behind the running job with its unique key
	memDead                      // in its queue's dead set
)

// memRecord is one job of a Memory broker.
type memRecord struct {
	// job holds what a delivery carries; job.Attempt is unused.
	job     Job
	timeout time.Duration
	// attempts counts the failed runs.
	attempts int
	state    memState
	// runAt is a follow-up's own run-at time, applied when it is promoted.
	runAt time.Time
	// at is the due time (scheduled, retry) or the lease expiry (active).
	at    time.Time
	index int // in Memory.timed; -1 when not there
	// readyAt is when the job became pending.
	readyAt time.Time
	// token identifies the current lease; a delivery with another token
	// has lost the job.
	token    uint64
	failedAt time.Time
	deadSeq  uint64
}

// memLease is a delivery's handle on its record.
type memLease struct {
	rec   *memRecord
	token uint64
}

// memUnique is the state of one unique key: the live job that holds it
// and the one follow-up recorded while it ran, which waits until the
// holder has finished for good (completed or dead; a retry, a hand-back
// or a reclaim keeps it waiting), as in the Redis broker.
type memUnique struct {
	holder   *memRecord
	followUp *memRecord
}

// memOnce remembers a periodic enqueue until it expires.
type memOnce struct {
	id      string
	expires time.Time
}

// memQueue is one named queue. Job ids, unique keys and periodic
// once-keys are scoped to their queue, as in the Redis broker, where a
// queue's keys share one Cluster slot.
type memQueue struct {
	paused bool
	// jobs holds the live jobs (pending, scheduled, retry, active and
	// recorded follow-ups) by id.
	jobs   map[string]*memRecord
	unique map[string]*memUnique
	once   map[string]memOnce
	// pending is the FIFO of jobs waiting for a worker, oldest first.
	pending []*memRecord
	// counts holds how many records are in each state.
	counts    [memDead + 1]int64
	dead      map[string]*memRecord
	processed int64
	failed    int64
}

// setState moves rec to state st, keeping its queue's counts. The caller
// holds mu and puts rec where st says it is.
func (m *Memory) setState(rec *memRecord, st memState) {
	q := m.queue(rec.job.Queue)
	if rec.state != memGone {
		q.counts[rec.state]--
	}
	rec.state = st
	if st != memGone {
		q.counts[st]++
	}
}

// makePending appends rec to its queue's FIFO, or puts it at the front
// (a job handed back, which has waited already). The caller holds mu and
// broadcasts.
func (m *Memory) makePending(rec *memRecord, readyAt time.Time, front bool) {
	m.setState(rec, memPending)
	rec.readyAt = readyAt
	q := m.queue(rec.job.Queue)
	if front {
		q.pending = slices.Insert(q.pending, 0, rec)
	} else {
		q.pending = append(q.pending, rec)
	}
}

// makeTimed puts rec in the timed heap in state st until at.
func (m *Memory) makeTimed(rec *memRecord, st memState, at time.Time) {
	m.setState(rec, st)
	rec.at = at
	m.timedPush(rec)
}

// place makes a new or promoted job pending, or scheduled if runAt is
// still ahead. It reports whether the job is pending.
func (m *Memory) place(rec *memRecord, runAt, now time.Time) bool {
	if runAt.After(now) {
		m.makeTimed(rec, memScheduled, runAt)
		return false
	}
	m.makePending(rec, now, false)
	return true
}

// delivery builds what a worker gets for a lease of rec.
func (rec *memRecord) delivery() *delivery {
	job := rec.job
	job.Payload = bytes.Clone(rec.job.Payload)
	job.Attempt = rec.attempts + 1
	return &delivery{job: job, timeout: rec.timeout, handle: memLease{rec: rec, token: rec.token}}
}

// info describes rec for inspection.
func (rec *memRecord) info() *JobInfo {
	st := map[memState]JobState{
		memPending:   StatePending,
		memScheduled: StateScheduled,
		memFollowUp:  StateScheduled,
		memRetry:     StateRetry,
		memActive:    StateActive,
		memDead:      StateDead,
	}[rec.state]
	return &JobInfo{
		ID:          rec.job.ID,
		Type:        rec.job.Type,
		Queue:       rec.job.Queue,
		Payload:     bytes.Clone(rec.job.Payload),
		State:       st,
		Attempts:    rec.attempts,
		MaxAttempts: rec.job.MaxAttempts,
		UniqueKey:   rec.job.UniqueKey,
		LastError:   rec.job.LastError,
		EnqueuedAt:  rec.job.EnqueuedAt,
		FailedAt:    rec.failedAt,
	}
}
