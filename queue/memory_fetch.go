package queue

import (
	"context"
	"errors"
	"time"
)

// errMemLeaseLost: a worker reports on a job whose lease ran out and went
// to another worker, or that it already reported on.
var errMemLeaseLost = errors.New("queue: the job's lease ran out or was already settled")

// fetch takes up to req.max pending jobs from req.queues, in that order,
// skipping paused queues. With none pending it waits, up to req.block,
// until an enqueue, a due time, an expired lease, a Resume or Close wakes
// it.
func (m *Memory) fetch(ctx context.Context, req fetchRequest) ([]*delivery, error) {
	block := time.NewTimer(req.block)
	defer block.Stop()
	for {
		now := time.Now()
		if err := m.lock(ctx, now); err != nil {
			return nil, err
		}
		ds := m.take(req, now)
		wake := m.wake
		m.mu.Unlock()
		if len(ds) > 0 || req.block <= 0 {
			return ds, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-block.C:
			return nil, nil
		case <-wake:
		}
	}
}

// take leases pending jobs for req. The caller holds mu.
func (m *Memory) take(req fetchRequest, now time.Time) []*delivery {
	limit := max(req.max, 1)
	var ds []*delivery
	for _, name := range req.queues {
		q := m.queues[name]
		if q == nil || q.paused {
			continue
		}
		for len(ds) < limit && len(q.pending) > 0 {
			rec := q.pending[0]
			q.pending[0] = nil
			q.pending = q.pending[1:]
			rec.token = m.nextSeq()
			m.makeTimed(rec, memActive, now.Add(req.lease))
			ds = append(ds, rec.delivery())
		}
		if len(ds) == limit {
			break
		}
	}
	return ds
}

// leased returns the record d is a lease of, if the lease is still d's.
// The caller holds mu.
func (m *Memory) leased(d *delivery) (*memRecord, error) {
	l, ok := d.handle.(memLease)
	if !ok || l.rec.state != memActive || l.rec.token != l.token {
		return nil, errMemLeaseLost
	}
	return l.rec, nil
}

// complete acknowledges a successful run: the job is gone, and a
// follow-up recorded while it ran becomes pending.
func (m *Memory) complete(ctx context.Context, d *delivery) error {
	now := time.Now()
	if err := m.lock(ctx, now); err != nil {
		return err
	}
	defer m.mu.Unlock()
	rec, err := m.leased(d)
	if err != nil {
		return err
	}
	m.timedRemove(rec)
	m.setState(rec, memGone)
	q := m.queue(rec.job.Queue)
	q.processed++
	m.finish(q, rec, now)
	return nil
}

// fail records a failed run: the job waits for its next attempt at next,
// or is dead when next is zero.
func (m *Memory) fail(ctx context.Context, d *delivery, next time.Time, cause error) error {
	now := time.Now()
	if err := m.lock(ctx, now); err != nil {
		return err
	}
	defer m.mu.Unlock()
	rec, err := m.leased(d)
	if err != nil {
		return err
	}
	m.timedRemove(rec)
	q := m.queue(rec.job.Queue)
	q.failed++
	rec.attempts++
	rec.failedAt = now
	rec.job.LastError = ""
	if cause != nil {
		rec.job.LastError = cause.Error()
	}
	switch {
	case next.IsZero():
		if old := q.dead[rec.job.ID]; old != nil {
			// An earlier dead job with this id, enqueued again by hand
			// since: this death supersedes it.
			m.setState(old, memGone)
		}
		m.setState(rec, memDead)
		rec.deadSeq = m.nextSeq()
		q.dead[rec.job.ID] = rec
		m.finish(q, rec, now)
	case next.After(now):
		m.makeTimed(rec, memRetry, next)
	default:
		m.makePending(rec, now, false)
		m.broadcast()
	}
	return nil
}

// release hands a job back unrun: first in line, its attempt not counted.
func (m *Memory) release(ctx context.Context, d *delivery) error {
	now := time.Now()
	if err := m.lock(ctx, now); err != nil {
		return err
	}
	defer m.mu.Unlock()
	rec, err := m.leased(d)
	if err != nil {
		return err
	}
	m.timedRemove(rec)
	m.makePending(rec, now, true)
	m.broadcast()
	return nil
}

// extend renews the leases of ds that are still theirs; the others are
// skipped (their jobs went to other workers).
func (m *Memory) extend(ctx context.Context, _ string, ds []*delivery, lease time.Duration) error {
	now := time.Now()
	if err := m.lock(ctx, now); err != nil {
		return err
	}
	defer m.mu.Unlock()
	for _, d := range ds {
		if rec, err := m.leased(d); err == nil {
			rec.at = now.Add(lease)
			m.timedFix(rec)
		}
	}
	return nil
}

// flush has nothing to do: every write is done when its call returns.
func (m *Memory) flush(ctx context.Context) error {
	if err := m.lock(ctx, time.Now()); err != nil {
		return err
	}
	m.mu.Unlock()
	return nil
}
