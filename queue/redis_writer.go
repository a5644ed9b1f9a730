package queue

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// redisWriter sends Enqueue's writes. An Enqueue that finds no write in
// progress writes its job itself (one round trip, no hand-off); those that
// arrive meanwhile queue up, and a background goroutine writes all that are
// waiting in one pipeline each time it is free, so concurrent producers
// share round trips.
type redisWriter struct {
	r *Redis

	mu      sync.Mutex
	pending []*redisEnqueueOp
	writing bool // someone will write pending before clearing it
	closed  bool
	idle    *sync.Cond // signalled when writing goes false

	kick chan struct{} // wakes run to write pending
	quit chan struct{} // closed by stop
	done chan struct{} // closed when run has returned
}

// redisEnqueueOp is one Enqueue's write.
type redisEnqueueOp struct {
	ctx    context.Context
	q      *redisQueue
	record []byte
	call   *redisCall // nil for a plain XADD
	xadd   *redis.StringCmd
	done   chan struct{} // closed when written, if queued
	err    error
}

// redisWriterBatch is the most enqueues in one pipeline.
const redisWriterBatch = 512

func (w *redisWriter) init(r *Redis) {
	w.r = r
	w.idle = sync.NewCond(&w.mu)
	w.kick = make(chan struct{}, 1)
	w.quit = make(chan struct{})
	w.done = make(chan struct{})
}

// submit writes op, or queues it for run, and returns its result; it
// returns early with ctx's error (the write may still happen).
func (w *redisWriter) submit(ctx context.Context, op *redisEnqueueOp) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	if !w.writing {
		// Nothing in flight: write it here.
		w.writing = true
		w.mu.Unlock()
		w.write(ctx, []*redisEnqueueOp{op})
		w.mu.Lock()
		w.handOver()
		w.mu.Unlock()
		return op.err
	}
	op.done = make(chan struct{})
	w.pending = append(w.pending, op)
	w.mu.Unlock()
	select {
	case <-op.done:
		return op.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// handOver ends a write: run takes over if more are waiting. w.mu is held.
func (w *redisWriter) handOver() {
	if len(w.pending) == 0 {
		w.writing = false
		w.idle.Broadcast()
		return
	}
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// stop refuses new enqueues, waits for the queued ones to be written and
// stops run.
func (w *redisWriter) stop() {
	w.mu.Lock()
	w.closed = true
	for w.writing {
		w.idle.Wait()
	}
	w.mu.Unlock()
	close(w.quit)
	<-w.done
}

// run writes the queued enqueues, a batch per pipeline, whenever kicked.
func (w *redisWriter) run(ctx context.Context) {
	defer close(w.done)
	for {
		select {
		case <-w.kick:
		case <-w.quit:
			return
		}
		for {
			w.mu.Lock()
			n := min(len(w.pending), redisWriterBatch)
			batch := w.pending[:n:n]
			w.pending = w.pending[n:]
			if n == 0 {
				w.pending = nil
				w.handOver()
				w.mu.Unlock()
				break
			}
			w.mu.Unlock()
			w.write(ctx, batch)
			for _, op := range batch {
				close(op.done)
			}
		}
	}
}

// write sends a batch in one pipeline (a lone registered op as a plain
// command) and sets each op's err.
func (w *redisWriter) write(ctx context.Context, batch []*redisEnqueueOp) {
	live := make([]*redisEnqueueOp, 0, len(batch))
	for _, op := range batch {
		if op.err = op.ctx.Err(); op.err == nil { // else its caller has gone: do not write it
			live = append(live, op)
		}
	}
	if len(live) == 1 && live[0].q.registered.Load() {
		op := live[0]
		if op.call != nil {
			op.call.cmd = op.call.script.Run(op.ctx, w.r.rdb, op.call.keys, op.call.args...)
			op.err = op.call.cmd.Err()
		} else {
			op.xadd = op.newXAdd(op.ctx)
			op.err = w.r.rdb.Process(op.ctx, op.xadd)
		}
		return
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := callersContext(ctx, live)
	defer cancel()
	var regs []redisRegistration
	pipe := w.r.rdb.Pipeline()
	for _, op := range live {
		if !op.q.registered.Load() && !redisRegistering(regs, op.q) {
			regs = append(regs, redisRegistration{op.q, pipe.SAdd(ctx, w.r.registry, op.q.name)})
		}
		if op.call != nil {
			op.call.queue(ctx, pipe)
			continue
		}
		op.xadd = op.newXAdd(ctx)
		_ = pipe.Process(ctx, op.xadd)
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	for _, reg := range regs {
		if reg.cmd.Err() == nil {
			reg.q.registered.Store(true)
		}
	}
	for _, op := range live {
		if op.call != nil {
			op.call.retryNoScript(ctx, w.r.rdb)
			op.err = op.call.cmd.Err()
		} else {
			op.err = op.xadd.Err()
		}
	}
}

// newXAdd is the XADD of a job without options.
func (op *redisEnqueueOp) newXAdd(ctx context.Context) *redis.StringCmd {
	return redis.NewStringCmd(ctx, "xadd", op.q.keys.stream, "*", "j", op.record)
}

// redisRegistration is an SADD of a queue's name to the registry.
type redisRegistration struct {
	q   *redisQueue
	cmd *redis.IntCmd
}

func redisRegistering(regs []redisRegistration, q *redisQueue) bool {
	for _, r := range regs {
		if r.q == q {
			return true
		}
	}
	return false
}

// callersContext returns a context for writing ops that is cancelled once
// every op's caller has given up (so that go-redis stops retrying a write
// nobody waits for), or with parent.
func callersContext(parent context.Context, ops []*redisEnqueueOp) (context.Context, context.CancelFunc) {
	if len(ops) == 1 {
		return ops[0].ctx, func() {}
	}
	for _, op := range ops {
		if op.ctx.Done() == nil {
			return parent, func() {}
		}
	}
	ctx, cancel := context.WithCancel(parent)
	left := atomic.Int64{}
	left.Store(int64(len(ops)))
	stops := make([]func() bool, len(ops))
	for i, op := range ops {
		stops[i] = context.AfterFunc(op.ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}
