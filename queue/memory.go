package queue

import (
	"context"
	"sync"
	"time"
)

// MemoryOptions configures a Memory broker. The zero value is ready to
// use; the struct exists so that options can be added without breaking
// callers.
type MemoryOptions struct{}

// Memory is a Broker that keeps its jobs in the memory of one process:
// the broker of the integration service's embedded mode, and a fast one
// for tests. It follows the Broker contract as the Redis broker does and
// passes the same suite, queue/queuetest.
//
// It is not durable and not shared: its jobs, dead ones included, are
// lost when the process exits, and two processes have two unrelated
// brokers. Within the process it behaves as a shared broker would: jobs
// are leased to workers, a lease that is not renewed runs out and the job
// goes to another worker (the attempt not counted), scheduled jobs and
// expired leases are handled by a timer, and an idle worker's fetch
// returns as soon as a job is enqueued.
//
// Dead jobs are kept until RequeueDead or DeleteDead. A Memory is safe
// for concurrent use.
type Memory struct {
	mu     sync.Mutex
	closed bool
	// wake is closed, and replaced, whenever a job may have become
	// available to a blocked fetch.
	wake   chan struct{}
	queues map[string]*memQueue
	// timed holds the scheduled and retry jobs by due time and the active
	// ones by lease expiry; timer fires at the earliest.
	timed   memHeap
	timer   *time.Timer
	timerAt time.Time
	// seq numbers lease tokens and deaths.
	seq uint64
}

var _ Broker = (*Memory)(nil)

// NewMemory returns an empty in-memory broker. Close it to stop its timer.
func NewMemory(opts MemoryOptions) *Memory {
	return &Memory{
		wake:   make(chan struct{}),
		queues: make(map[string]*memQueue),
	}
}

// Close stops the broker: blocked fetches return, and every later call
// fails with ErrClosed. Closing twice is a no-op.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	if m.timer != nil {
		m.timer.Stop()
	}
	m.broadcast()
	return nil
}

// lock takes the mutex for an operation at now: it fails if ctx is done
// or the broker is closed, and otherwise brings the timed jobs up to
// date. The caller unlocks.
func (m *Memory) lock(ctx context.Context, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	m.reap(now)
	return nil
}

// broadcast wakes every blocked fetch. The caller holds mu.
func (m *Memory) broadcast() {
	close(m.wake)
	m.wake = make(chan struct{})
}

// queue returns the named queue, creating it. The caller holds mu.
func (m *Memory) queue(name string) *memQueue {
	q := m.queues[name]
	if q == nil {
		q = &memQueue{
			jobs:   make(map[string]*memRecord),
			unique: make(map[string]*memUnique),
			once:   make(map[string]memOnce),
			dead:   make(map[string]*memRecord),
		}
		m.queues[name] = q
	}
	return q
}
