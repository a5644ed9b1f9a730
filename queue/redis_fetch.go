package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timing of a fetch's side work.
const (
	redisMoveInterval = 100 * time.Millisecond // fetch moves due jobs of a queue at most this often
	redisMoveLimit    = 1000                   // most jobs one move script moves
	redisMaxBlock     = time.Second            // longest XREADGROUP BLOCK
	redisShardedBlock = 100 * time.Millisecond // longest block on one queue of several, on Cluster
	redisReapInterval = 5 * time.Minute        // how often a queue's departed consumers are looked for
)

// redisDelivery is a delivery of the Redis broker: the job and its stream
// entry.
type redisDelivery struct {
	d        delivery
	q        *redisQueue
	eid      string // stream entry id
	record   string // the record as read, to hand back unchanged
	explicit bool   // the job has an explicit id
}

// tracked reports whether the job is in the ids hash, so that finishing it
// is a script.
func (rd *redisDelivery) tracked() bool { return rd.explicit || rd.d.job.UniqueKey != "" }

func redisHandle(d *delivery) *redisDelivery { return d.handle.(*redisDelivery) }

// fetch takes up to req.max jobs: first jobs whose lease expired, then new
// ones in the order of req.queues, blocking when there are none.
func (r *Redis) fetch(ctx context.Context, req fetchRequest) ([]*delivery, error) {
	if r.closed.Load() {
		return nil, ErrClosed
	}
	req.max = max(req.max, 1)
	req.lease = max(req.lease, time.Second) // a zero lease would claim running jobs
	qs := make([]*redisQueue, len(req.queues))
	for i, name := range req.queues {
		qs[i] = r.queue(name)
	}
	now := time.Now()
	if err := r.maintain(ctx, qs, now); err != nil {
		return nil, fmt.Errorf("queue: fetch: %w", err)
	}
	active := make([]*redisQueue, 0, len(qs))
	for _, q := range qs {
		if !q.isPaused() {
			active = append(active, q)
		}
	}
	if len(active) == 0 {
		r.waitPaused(ctx, req.block)
		return nil, nil
	}
	out := make([]*delivery, 0, req.max)
	out, err := r.recover(ctx, active, req, out, now)
	if err == nil && len(out) < req.max {
		out, err = r.read(ctx, active, req, out, now)
	}
	if err != nil {
		if len(out) > 0 {
			r.log.Warn("queue: fetch failed after taking jobs; running those", "jobs", len(out), "error", err)
			return out, nil
		}
		return nil, fmt.Errorf("queue: fetch: %w", err)
	}
	return out, nil
}

// maintain does, in one pipeline, what qs need before a read: create the
// consumer group, move due scheduled and retry jobs (which also reads the
// paused flag).
func (r *Redis) maintain(ctx context.Context, qs []*redisQueue, now time.Time) error {
	type step struct {
		q     *redisQueue
		group *redis.StatusCmd
		move  *redisCall
	}
	var steps []step
	var pipe redis.Pipeliner
	for _, q := range qs {
		q.mu.Lock()
		needGroup := !q.groupReady
		needMove := !now.Before(q.nextMove)
		if needMove {
			q.nextMove = now.Add(redisMoveInterval)
		}
		q.mu.Unlock()
		if !needGroup && !needMove {
			continue
		}
		if pipe == nil {
			pipe = r.rdb.Pipeline()
		}
		s := step{q: q}
		if needGroup {
			s.group = pipe.XGroupCreateMkStream(ctx, q.keys.stream, redisGroup, "0")
		}
		if needMove {
			s.move = &redisCall{script: redisScripts.move, keys: q.keys.all, args: []any{now.UnixMilli(), redisMoveLimit}}
			s.move.queue(ctx, pipe)
		}
		steps = append(steps, s)
	}
	if pipe == nil {
		return nil
	}
	_, _ = pipe.Exec(ctx)
	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	for _, s := range steps {
		q := s.q
		if s.group != nil {
			if err := s.group.Err(); err == nil || redis.HasErrorPrefix(err, "BUSYGROUP") {
				q.mu.Lock()
				q.groupReady = true
				q.mu.Unlock()
			} else {
				fail(fmt.Errorf("create consumer group of %s: %w", q.name, err))
			}
		}
		if s.move != nil {
			s.move.retryNoScript(ctx, r.rdb)
			if err := q.moved(s.move.cmd, now); err != nil {
				fail(fmt.Errorf("move due jobs of %s: %w", q.name, err))
			}
		}
	}
	return firstErr
}

// moved records the reply of the move script.
func (q *redisQueue) moved(cmd *redis.Cmd, now time.Time) error {
	vals, err := cmd.Int64Slice()
	if err == nil && len(vals) != 3 {
		err = fmt.Errorf("unexpected reply %v", vals)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil {
		q.nextMove = time.Time{}
		return err
	}
	q.paused, q.pausedAt = vals[0] == 1, now
	q.nextDue = time.Time{}
	if vals[1] >= 0 {
		q.nextDue = time.UnixMilli(vals[1])
	}
	if vals[2] >= redisMoveLimit {
		q.nextMove = now // more are due
	}
	return nil
}

func (q *redisQueue) isPaused() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.paused
}

// waitPaused waits, when every queue is paused, until the paused flags are
// read again, Resume is called here, or ctx is done.
func (r *Redis) waitPaused(ctx context.Context, block time.Duration) {
	t := time.NewTimer(min(max(block, time.Millisecond), redisMoveInterval))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-r.resumed.wait():
	}
}

// recover claims jobs whose lease ran out, from queues whose lease check
// is due. The claimed entries keep their records: the interrupted run does
// not count as an attempt.
func (r *Redis) recover(ctx context.Context, active []*redisQueue, req fetchRequest, out []*delivery, now time.Time) ([]*delivery, error) {
	for _, q := range active {
		room := req.max - len(out)
		if room <= 0 {
			break
		}
		q.mu.Lock()
		due := q.groupReady && !now.Before(q.recoverAt)
		from := q.claimFrom
		reap := !now.Before(q.reapAt)
		if due {
			q.recoverAt = now.Add(req.lease / 8)
		}
		if reap {
			q.reapAt = now.Add(redisReapInterval)
		}
		q.mu.Unlock()
		if !due {
			continue
		}
		// Not cut short by ctx: the claimed jobs must reach the worker.
		msgs, next, err := r.rdb.XAutoClaim(context.WithoutCancel(ctx), &redis.XAutoClaimArgs{
			Stream:   q.keys.stream,
			Group:    redisGroup,
			Consumer: req.consumer,
			MinIdle:  req.lease,
			Start:    from,
			Count:    int64(room),
		}).Result()
		if err != nil {
			q.readFailed(err)
			return out, fmt.Errorf("claim expired jobs of %s: %w", q.name, err)
		}
		q.mu.Lock()
		q.claimFrom = next
		if next != "0-0" {
			q.recoverAt = now // the scan goes on at the next fetch
		}
		q.mu.Unlock()
		if len(msgs) > 0 {
			r.log.Info("queue: claimed jobs whose lease expired", "queue", q.name, "jobs", len(msgs))
			out = r.deliveries(q, msgs, out)
		}
		if reap {
			r.reapConsumers(ctx, q, req.lease)
		}
	}
	return out, nil
}

// readFailed forgets that q's consumer group exists if err says it does
// not (its keys were deleted), so that the next fetch creates it.
func (q *redisQueue) readFailed(err error) {
	if redis.HasErrorPrefix(err, "NOGROUP") {
		q.mu.Lock()
		q.groupReady = false
		q.mu.Unlock()
	}
}

// read takes new jobs: without blocking from each queue in order until
// req.max are taken; if there are none, it blocks.
func (r *Redis) read(ctx context.Context, active []*redisQueue, req fetchRequest, out []*delivery, now time.Time) ([]*delivery, error) {
	if len(active) > 1 || len(out) > 0 {
		for _, q := range active {
			room := req.max - len(out)
			if room <= 0 {
				break
			}
			res, err := r.rdb.XReadGroup(context.WithoutCancel(ctx), &redis.XReadGroupArgs{
				Group: redisGroup, Consumer: req.consumer, Streams: q.stream1, Count: int64(room), Block: -1,
			}).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				q.readFailed(err)
				return out, fmt.Errorf("read %s: %w", q.name, err)
			}
			n := len(out)
			for _, s := range res {
				out = r.deliveries(q, s.Messages, out)
			}
			out = r.afterBlock(ctx, out, n, time.Now())
		}
		if len(out) > 0 || req.block <= 0 {
			return out, nil
		}
	}
	if req.block <= 0 {
		return r.readOnce(ctx, active[0], req, out, -1)
	}
	block := r.blockFor(active, req.block, now)
	switch {
	case len(active) == 1:
		return r.readOnce(ctx, active[0], req, out, block)
	case r.sharded:
		// Queues live in different slots (Cluster) or shards (Ring): block
		// on one, briefly, taking each in turn.
		q := active[int(r.rotation.Add(1)%uint32(len(active)))]
		return r.readOnce(ctx, q, req, out, min(block, redisShardedBlock))
	}
	// One node: block on every queue at once, one job from each at most.
	streams := make([]string, 0, 2*len(active))
	for _, q := range active {
		streams = append(streams, q.keys.stream)
	}
	for range active {
		streams = append(streams, ">")
	}
	start := time.Now()
	res, err := r.blockingRead(ctx, &redis.XReadGroupArgs{
		Group: redisGroup, Consumer: req.consumer, Streams: streams, Count: 1, Block: block,
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		for _, q := range active {
			q.readFailed(err)
		}
		return out, fmt.Errorf("read: %w", err)
	}
	n := len(out)
	for _, s := range res {
		for _, q := range active {
			if q.keys.stream == s.Stream {
				out = r.deliveries(q, s.Messages, out)
			}
		}
	}
	out = r.afterBlock(ctx, out, n, start)
	if len(out) > req.max {
		// Jobs came in on several queues at once: hand back the extra.
		r.handBack(ctx, out[req.max:])
		out = out[:req.max]
	}
	return out, nil
}

// readOnce reads q once, blocking for block (-1: not at all).
func (r *Redis) readOnce(ctx context.Context, q *redisQueue, req fetchRequest, out []*delivery, block time.Duration) ([]*delivery, error) {
	args := &redis.XReadGroupArgs{
		Group: redisGroup, Consumer: req.consumer, Streams: q.stream1, Count: int64(req.max - len(out)), Block: block,
	}
	start := time.Now()
	var res []redis.XStream
	var err error
	if block < 0 {
		res, err = r.rdb.XReadGroup(context.WithoutCancel(ctx), args).Result()
	} else {
		res, err = r.blockingRead(ctx, args)
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		q.readFailed(err)
		return out, fmt.Errorf("read %s: %w", q.name, err)
	}
	n := len(out)
	for _, s := range res {
		out = r.deliveries(q, s.Messages, out)
	}
	return r.afterBlock(ctx, out, n, start), nil
}

// blockFor is how long an idle fetch blocks: until the next due scheduled
// job, lease check or req.block, at most a second.
func (r *Redis) blockFor(active []*redisQueue, block time.Duration, now time.Time) time.Duration {
	wake := now.Add(min(block, redisMaxBlock))
	for _, q := range active {
		q.mu.Lock()
		if !q.nextDue.IsZero() {
			t := q.nextDue
			if t.Before(q.nextMove) {
				t = q.nextMove
			}
			if t.Before(wake) {
				wake = t
			}
		}
		if q.groupReady && q.recoverAt.Before(wake) {
			wake = q.recoverAt
		}
		q.mu.Unlock()
	}
	return max(wake.Sub(now), time.Millisecond)
}

// afterBlock checks the jobs out[n:] of a read that may have blocked: a
// queue may have been paused meanwhile, here (the local flag says so) or
// in another process (the flag is read again if the read waited and the
// flag was last read more than redisMoveInterval ago). Jobs of paused
// queues are handed back.
func (r *Redis) afterBlock(ctx context.Context, out []*delivery, n int, start time.Time) []*delivery {
	if len(out) == n {
		return out
	}
	got := out[n:]
	var qs []*redisQueue
	stale := false
	now := time.Now()
	for _, d := range got {
		if q := redisHandle(d).q; !redisHasQueue(qs, q) {
			qs = append(qs, q)
			q.mu.Lock()
			stale = stale || now.Sub(q.pausedAt) > redisMoveInterval
			q.mu.Unlock()
		}
	}
	if stale && now.Sub(start) >= 10*time.Millisecond {
		pipe := r.rdb.Pipeline()
		cmds := make([]*redis.IntCmd, len(qs))
		for i, q := range qs {
			cmds[i] = pipe.Exists(ctx, q.keys.paused)
		}
		_, _ = pipe.Exec(ctx)
		for i, q := range qs {
			if p, err := cmds[i].Result(); err == nil {
				q.mu.Lock()
				q.paused = q.paused || p == 1
				q.pausedAt = now
				q.mu.Unlock()
			}
		}
	}
	paused := qs[:0]
	for _, q := range qs {
		if q.isPaused() {
			paused = append(paused, q)
		}
	}
	if len(paused) == 0 {
		return out
	}
	keep := out[:n]
	var back []*delivery
	for _, d := range got {
		if redisHasQueue(paused, redisHandle(d).q) {
			back = append(back, d)
		} else {
			keep = append(keep, d)
		}
	}
	r.handBack(ctx, back)
	return keep
}

func redisHasQueue(qs []*redisQueue, q *redisQueue) bool {
	for _, x := range qs {
		if x == q {
			return true
		}
	}
	return false
}

// handBack releases jobs a fetch took but cannot return. Those it fails
// to release are claimed again after their lease.
func (r *Redis) handBack(ctx context.Context, ds []*delivery) {
	if len(ds) == 0 {
		return
	}
	if err := r.releaseAll(context.WithoutCancel(ctx), ds); err != nil {
		r.log.Warn("queue: handing back fetched jobs failed; they run after their lease", "jobs", len(ds), "error", err)
	}
}

// deliveries decodes stream entries of q and appends them to out. An entry
// this version cannot read stays pending, to be claimed (perhaps by a
// newer worker) after its lease.
func (r *Redis) deliveries(q *redisQueue, msgs []redis.XMessage, out []*delivery) []*delivery {
	for i := range msgs {
		m := &msgs[i]
		rd := &redisDelivery{q: q, eid: m.ID}
		rd.record, _ = m.Values["j"].(string)
		meta, err := decodeRedisRecord(rd.record, &rd.d.job)
		if err != nil {
			r.log.Error("queue: cannot read a job; leaving it pending", "queue", q.name, "entry", m.ID, "error", err)
			continue
		}
		rd.explicit = meta.explicit
		rd.d.timeout = meta.timeout
		rd.d.job.Queue = q.name
		rd.d.handle = rd
		out = append(out, &rd.d)
	}
	return out
}

// reapConsumers deletes consumers of q that hold no jobs and have not read
// for a long time: workers that are gone.
func (r *Redis) reapConsumers(ctx context.Context, q *redisQueue, lease time.Duration) {
	consumers, err := r.rdb.XInfoConsumers(ctx, q.keys.stream, redisGroup).Result()
	if err != nil {
		return
	}
	idle := max(100*lease, time.Hour)
	for _, c := range consumers {
		if c.Pending == 0 && c.Idle >= idle {
			_ = redisScripts.reap.Run(ctx, r.rdb, []string{q.keys.stream}, c.Name).Err()
		}
	}
}
