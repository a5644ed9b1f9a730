package queue

import (
	"bytes"
	"context"
	"crypto/rand"
	"time"
)

// Enqueue adds a job of type typ (see Broker). The payload is copied.
func (m *Memory) Enqueue(ctx context.Context, typ string, payload []byte, opts ...Option) (*EnqueueResult, error) {
	now := time.Now()
	o, err := resolveOptions(typ, opts, now)
	if err != nil {
		return nil, err
	}
	if err := m.lock(ctx, now); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()

	q := m.queue(o.queue)
	if o.onceKey != "" {
		q.sweepOnce(now)
		if prev, ok := q.once[o.onceKey]; ok {
			return &EnqueueResult{ID: prev.id, Queue: o.queue, Duplicate: true}, nil
		}
	}
	id := o.id
	if id == "" {
		id = rand.Text()
	}
	rec := &memRecord{
		job: Job{
			ID:          id,
			Type:        typ,
			Queue:       o.queue,
			Payload:     bytes.Clone(payload),
			MaxAttempts: o.maxAttempts,
			UniqueKey:   o.uniqueKey,
			EnqueuedAt:  now,
		},
		timeout: o.timeout,
		runAt:   o.runAt,
		index:   -1,
	}
	res := m.admit(q, rec, now)
	if o.onceKey != "" {
		q.once[o.onceKey] = memOnce{id: res.ID, expires: now.Add(o.onceTTL)}
	}
	return res, nil
}

// admit stores rec, a job of q not yet stored, unless a live job makes it
// a duplicate: the one with its id, or the one holding its unique key
// unless that one is running, in which case rec becomes the key's
// follow-up (unless there is one already). The caller holds mu.
func (m *Memory) admit(q *memQueue, rec *memRecord, now time.Time) *EnqueueResult {
	res := &EnqueueResult{ID: rec.job.ID, Queue: rec.job.Queue}
	if dup, _ := q.conflict(rec); dup != nil {
		res.ID, res.Duplicate = dup.job.ID, true
		return res
	}
	id, key := rec.job.ID, rec.job.UniqueKey
	if q.jobs[id] == nil {
		// A follow-up with its holder's id stays out of jobs until the
		// holder leaves.
		q.jobs[id] = rec
	}
	if key != "" {
		if u := q.unique[key]; u != nil {
			u.followUp = rec
			m.setState(rec, memFollowUp)
			res.FollowUp = true
			return res
		}
		q.unique[key] = &memUnique{holder: rec}
	}
	if m.place(rec, rec.runAt, now) {
		m.broadcast()
	}
	return res
}

// conflict returns the live job that makes rec a duplicate, if any, and
// whether it is a duplicate for its id rather than its unique key.
func (q *memQueue) conflict(rec *memRecord) (dup *memRecord, byID bool) {
	live := q.jobs[rec.job.ID]
	if u := q.unique[rec.job.UniqueKey]; rec.job.UniqueKey != "" && u != nil {
		switch {
		case u.holder.state != memActive:
			return u.holder, false
		case u.followUp != nil:
			return u.followUp, false
		case live != nil && live != u.holder:
			return live, true
		}
		return nil, false
	}
	if live != nil {
		return live, true
	}
	return nil, false
}

// finish takes rec, completed or dead, out of the live jobs of q, and
// frees its unique key: the follow-up recorded while rec ran, if any,
// takes the key and is placed. The caller holds mu.
func (m *Memory) finish(q *memQueue, rec *memRecord, now time.Time) {
	if q.jobs[rec.job.ID] == rec {
		delete(q.jobs, rec.job.ID)
	}
	key := rec.job.UniqueKey
	u := q.unique[key]
	if key == "" || u == nil || u.holder != rec {
		return
	}
	f := u.followUp
	if f == nil {
		delete(q.unique, key)
		return
	}
	u.holder, u.followUp = f, nil
	q.jobs[f.job.ID] = f
	if m.place(f, f.runAt, now) {
		m.broadcast()
	}
}

// sweepOnce forgets the periodic enqueues that have expired.
func (q *memQueue) sweepOnce(now time.Time) {
	for k, v := range q.once {
		if !v.expires.After(now) {
			delete(q.once, k)
		}
	}
}
