package queue

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Enqueue adds a job. A job without ID, Unique, a delay or a periodic
// once-key is one XADD; the others are one script that checks and adds
// atomically. Concurrent calls share a pipeline. A network error leaves it
// unknown whether the job was added: retry with an ID to make the retry a
// no-op.
func (r *Redis) Enqueue(ctx context.Context, typ string, payload []byte, opts ...Option) (*EnqueueResult, error) {
	if r.closed.Load() {
		return nil, ErrClosed
	}
	now := time.Now()
	o, err := resolveOptions(typ, opts, now)
	if err != nil {
		return nil, err
	}
	if o.onceKey != "" && o.onceTTL < time.Millisecond {
		return nil, fmt.Errorf("%w: once ttl %s", ErrInvalid, o.onceTTL)
	}
	q := r.queue(o.queue)
	id := o.id
	if id == "" {
		id = crand.Text()
	}
	job := Job{
		ID:          id,
		Type:        typ,
		Payload:     payload,
		Attempt:     1,
		MaxAttempts: o.maxAttempts,
		UniqueKey:   o.uniqueKey,
		EnqueuedAt:  now,
	}
	meta := redisMeta{timeout: o.timeout, explicit: o.id != ""}
	op := &redisEnqueueOp{
		ctx:    ctx,
		q:      q,
		record: appendRedisRecord(make([]byte, 0, redisRecordSize(&job)), &job, meta),
		done:   make(chan struct{}),
	}
	if o.id != "" || o.uniqueKey != "" || !o.runAt.IsZero() || o.onceKey != "" {
		op.call = redisEnqueueCall(q, id, &o, now, op.record)
	}
	if err := r.writer.submit(ctx, op); err != nil {
		return nil, fmt.Errorf("queue: enqueue %s: %w", typ, err)
	}
	res := &EnqueueResult{ID: id, Queue: q.name}
	if op.call == nil {
		return res, nil
	}
	vals, err := op.call.cmd.Slice()
	if err != nil || len(vals) != 2 {
		return nil, fmt.Errorf("queue: enqueue %s: unexpected reply %v: %w", typ, vals, err)
	}
	code, _ := vals[0].(int64)
	res.ID, _ = vals[1].(string)
	switch code {
	case 0:
		if !o.runAt.IsZero() {
			r.scheduleMove(q, o.runAt)
		}
	case 1, 3:
		res.Duplicate = true
	case 2:
		res.FollowUp = true
	}
	return res, nil
}

// redisEnqueueCall is the enqueue script's call for a job with options.
func redisEnqueueCall(q *redisQueue, id string, o *enqueueOptions, now time.Time, record []byte) *redisCall {
	keys := q.keys.all
	if o.onceKey != "" {
		keys = append(slices.Clip(keys), q.keys.once(o.onceKey))
	}
	explicit := "0"
	if o.id != "" {
		explicit = "1"
	}
	runAt := "0"
	if !o.runAt.IsZero() {
		runAt = strconv.FormatInt(o.runAt.UnixMilli(), 10)
	}
	return &redisCall{
		script: redisScripts.enqueue,
		keys:   keys,
		args:   []any{id, explicit, o.uniqueKey, runAt, now.UnixMilli(), record, o.onceTTL.Milliseconds()},
	}
}
