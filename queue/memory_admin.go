package queue

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Stats describes every queue the broker has seen (by Enqueue or Pause),
// sorted by name. A unique job's recorded follow-up counts as scheduled.
func (m *Memory) Stats(ctx context.Context) ([]Stats, error) {
	now := time.Now()
	if err := m.lock(ctx, now); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	stats := make([]Stats, 0, len(m.queues))
	for _, name := range slices.Sorted(maps.Keys(m.queues)) {
		q := m.queues[name]
		s := Stats{
			Queue:     name,
			Paused:    q.paused,
			Pending:   int64(len(q.pending)),
			Active:    q.counts[memActive],
			Scheduled: q.counts[memScheduled] + q.counts[memFollowUp],
			Retry:     q.counts[memRetry],
			Dead:      int64(len(q.dead)),
			Processed: q.processed,
			Failed:    q.failed,
		}
		for _, rec := range q.pending {
			s.OldestPending = max(s.OldestPending, now.Sub(rec.readyAt))
		}
		stats = append(stats, s)
	}
	return stats, nil
}

// Dead lists up to limit dead jobs of queue, most recent first.
func (m *Memory) Dead(ctx context.Context, queue string, limit int) ([]*JobInfo, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("%w: Dead: limit %d must be positive", ErrInvalid, limit)
	}
	if err := m.lock(ctx, time.Now()); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	q := m.queues[queue]
	if q == nil {
		return nil, nil
	}
	recs := slices.SortedFunc(maps.Values(q.dead), func(a, b *memRecord) int {
		return cmp.Compare(b.deadSeq, a.deadSeq)
	})
	infos := make([]*JobInfo, 0, min(limit, len(recs)))
	for _, rec := range recs[:min(limit, len(recs))] {
		infos = append(infos, rec.info())
	}
	return infos, nil
}

// DeadJob returns one dead job, or ErrNotFound.
func (m *Memory) DeadJob(ctx context.Context, queue, id string) (*JobInfo, error) {
	if err := m.lock(ctx, time.Now()); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	rec, err := m.deadRecord(queue, id)
	if err != nil {
		return nil, err
	}
	return rec.info(), nil
}

// RequeueDead makes a dead job pending again with its attempts reset
// (its last error is kept). If a live job holds its unique key, the rules
// of Enqueue apply: the dead job is merged into a pending one, or becomes
// the follow-up of a running one. If a live job has its id, it stays dead
// and the error wraps ErrInvalid.
func (m *Memory) RequeueDead(ctx context.Context, queue, id string) error {
	now := time.Now()
	if err := m.lock(ctx, now); err != nil {
		return err
	}
	defer m.mu.Unlock()
	rec, err := m.deadRecord(queue, id)
	if err != nil {
		return err
	}
	q := m.queues[queue]
	dup, byID := q.conflict(rec)
	if byID {
		return fmt.Errorf("%w: requeue dead job %s: a live job has the same id", ErrInvalid, id)
	}
	delete(q.dead, id)
	m.setState(rec, memGone)
	if dup != nil {
		return nil
	}
	rec.attempts = 0
	rec.runAt = time.Time{}
	m.admit(q, rec, now)
	return nil
}

// DeleteDead removes a dead job for good, or returns ErrNotFound.
func (m *Memory) DeleteDead(ctx context.Context, queue, id string) error {
	if err := m.lock(ctx, time.Now()); err != nil {
		return err
	}
	defer m.mu.Unlock()
	rec, err := m.deadRecord(queue, id)
	if err != nil {
		return err
	}
	delete(m.queues[queue].dead, id)
	m.setState(rec, memGone)
	return nil
}

// deadRecord finds a dead job. The caller holds mu.
func (m *Memory) deadRecord(queue, id string) (*memRecord, error) {
	if q := m.queues[queue]; q != nil {
		if rec := q.dead[id]; rec != nil {
			return rec, nil
		}
	}
	return nil, fmt.Errorf("%w: dead job %s in queue %q", ErrNotFound, id, queue)
}

// Pause stops fetches from taking jobs of queue; running jobs go on and
// Enqueue still works.
func (m *Memory) Pause(ctx context.Context, queue string) error {
	return m.setPaused(ctx, queue, true)
}

// Resume undoes Pause.
func (m *Memory) Resume(ctx context.Context, queue string) error {
	return m.setPaused(ctx, queue, false)
}

func (m *Memory) setPaused(ctx context.Context, queue string, paused bool) error {
	if err := validName("queue name", queue); err != nil {
		return err
	}
	if err := m.lock(ctx, time.Now()); err != nil {
		return err
	}
	defer m.mu.Unlock()
	m.queue(queue).paused = paused
	if !paused {
		m.broadcast()
	}
	return nil
}
