package queue

import (
	"context"
	"sync"
	"time"
)

// redisAcker batches acknowledgements. complete adds a job and returns;
// one goroutine writes what has gathered whenever it is free (after
// AckDelay, if set), so the batch grows with the load. flush and Close
// write synchronously.
type redisAcker struct {
	r *Redis

	mu      sync.Mutex // guards the fields below
	plain   []redisAckBatch
	tracked []*redisDelivery
	n       int

	kick    chan struct{} // something to write
	full    chan struct{} // AckBatch reached, during AckDelay
	writing chan struct{} // holds a token during a write: one at a time
}

// redisAckBatch is the entry ids of one queue's completed jobs without ID or
// unique key: one ack script call per AckBatch of them.
type redisAckBatch struct {
	q    *redisQueue
	eids []string
}

func (a *redisAcker) init(r *Redis) {
	a.r = r
	a.writing = make(chan struct{}, 1)
	a.kick = make(chan struct{}, 1)
	a.full = make(chan struct{}, 1)
}

// complete acknowledges a successful run, in the next batch.
func (r *Redis) complete(_ context.Context, d *delivery) error {
	if r.closed.Load() {
		return ErrClosed
	}
	r.acks.add(redisHandle(d))
	return nil
}

// flush writes the batched acknowledgements.
func (r *Redis) flush(ctx context.Context) error {
	return r.acks.writeNow(ctx)
}

func (a *redisAcker) add(rd *redisDelivery) {
	a.mu.Lock()
	if rd.tracked() {
		a.tracked = append(a.tracked, rd)
		a.n++
	} else {
		a.addLocked(rd.q, rd.eid)
	}
	n := a.n
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default:
	}
	if n >= a.r.opts.AckBatch {
		select {
		case a.full <- struct{}{}:
		default:
		}
	}
}

// run writes batches until ctx is done. A failed write is retried with
// backoff; nothing is dropped.
func (a *redisAcker) run(ctx context.Context) {
	failures := 0
	for {
		select {
		case <-a.kick:
		case <-ctx.Done():
			return
		}
		if d := a.r.opts.AckDelay; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-a.full:
			case <-ctx.Done():
			}
			t.Stop()
		}
		for {
			err := a.writeNow(ctx)
			if err == nil || ctx.Err() != nil {
				if failures > 0 && err == nil {
					a.r.log.Info("queue: acknowledging jobs again", "after_failures", failures)
				}
				failures = 0
				break
			}
			failures++
			if failures == 1 {
				a.r.log.Error("queue: acknowledging jobs failed; retrying with backoff", "error", err)
			}
			if !sleep(ctx, fetchBackoff(failures)) {
				return
			}
		}
	}
}

// writeNow writes everything gathered so far. On error it keeps it all for
// the next write (writing an acknowledgement twice is harmless).
func (a *redisAcker) writeNow(ctx context.Context) error {
	select {
	case a.writing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-a.writing }()
	a.mu.Lock()
	plain, tracked := a.plain, a.tracked
	a.plain, a.tracked, a.n = nil, nil, 0
	a.mu.Unlock()
	if len(plain) == 0 && len(tracked) == 0 {
		return nil
	}
	now := time.Now().UnixMilli()
	var calls []*redisCall
	pipe := a.r.rdb.Pipeline()
	for _, b := range plain {
		for start := 0; start < len(b.eids); start += a.r.opts.AckBatch {
			chunk := b.eids[start:min(start+a.r.opts.AckBatch, len(b.eids))]
			calls = append(calls, &redisCall{script: redisScripts.ack, keys: b.q.keys.ack, args: []any{chunk}})
		}
	}
	for _, rd := range tracked {
		calls = append(calls, &redisCall{
			script: redisScripts.complete,
			keys:   rd.q.keys.all,
			args:   []any{rd.eid, rd.d.job.ID, rd.d.job.UniqueKey, now},
		})
	}
	for _, c := range calls {
		c.queue(ctx, pipe)
	}
	_, _ = pipe.Exec(ctx)
	var err error
	for _, c := range calls {
		c.retryNoScript(ctx, a.r.rdb)
		if cerr := c.cmd.Err(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if err != nil {
		a.mu.Lock()
		for _, b := range plain {
			for _, eid := range b.eids {
				a.addLocked(b.q, eid)
			}
		}
		a.tracked = append(a.tracked, tracked...)
		a.n += len(tracked)
		a.mu.Unlock()
		return err
	}
	return nil
}

// addLocked adds the entry eid of q to its batch. a.mu is held.
func (a *redisAcker) addLocked(q *redisQueue, eid string) {
	i := 0
	for i < len(a.plain) && a.plain[i].q != q {
		i++
	}
	if i == len(a.plain) {
		a.plain = append(a.plain, redisAckBatch{q: q})
	}
	a.plain[i].eids = append(a.plain[i].eids, eid)
	a.n++
}
