package ratelimit

import (
	"context"
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Pipelining: concurrent decisions are written to Redis together, as one
// pipeline of EVALSHAs, instead of one request/reply exchange each. Every
// decision is still one script run, and still one round trip for its
// caller; what is shared is the write and the read, so Redis and the
// client make a few system calls per batch instead of per decision. A lone
// decision goes out at once: a batch is whatever is waiting when a worker
// is free, never a timer.
const (
	pipelineWorkers = 2   // batches in flight at once
	pipelineBatch   = 128 // decisions per batch at most
	pipelineQueue   = 1024
)

// call is one script run waiting for its batch.
type call struct {
	callerCtx context.Context // the caller's, to skip calls nobody waits for
	cmd       *redis.IntSliceCmd
	probe     bool // the prober's, sent during an outage
	done      chan struct{}
}

// errSkipped fails the calls queued before an outage was noticed: they go
// to the fallback at once instead of each waiting for a timeout.
var errSkipped = errors.New("ratelimit: redis call skipped during an outage")

// pipeliner runs script calls in batches on a fixed set of workers.
type pipeliner struct {
	rdb    redis.UniversalClient
	down   func() bool // reports an outage
	queue  chan *call
	calls  sync.Pool       // of *call
	life   context.Context // the pipeliner's lifetime, canceled by close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newPipeliner(rdb redis.UniversalClient, down func() bool) *pipeliner {
	ctx, cancel := context.WithCancel(context.Background())
	p := &pipeliner{rdb: rdb, down: down, queue: make(chan *call, pipelineQueue), life: ctx, cancel: cancel}
	p.calls.New = func() any { return &call{done: make(chan struct{}, 1)} }
	for range pipelineWorkers {
		p.wg.Go(p.work)
	}
	return p
}

// do runs cmd in the next batch and waits for it. It returns cmd's error,
// ctx's error when ctx is done first (the command may still run), or
// ErrClosed.
func (p *pipeliner) do(ctx context.Context, cmd *redis.IntSliceCmd, probe bool) (*redis.IntSliceCmd, error) {
	c := p.calls.Get().(*call)
	c.callerCtx, c.cmd, c.probe = ctx, cmd, probe
	select {
	case p.queue <- c:
	case <-ctx.Done():
		c.callerCtx, c.cmd = nil, nil
		p.calls.Put(c)
		return nil, ctx.Err()
	case <-p.life.Done():
		return nil, ErrClosed
	}
	select {
	case <-c.done:
		cmd := c.cmd
		c.callerCtx, c.cmd = nil, nil
		p.calls.Put(c)
		return cmd, cmd.Err()
	case <-ctx.Done():
		// Abandoned: the worker still signals c.done (buffered), and c is
		// left to the garbage collector.
		return nil, ctx.Err()
	case <-p.life.Done():
		return nil, ErrClosed
	}
}

func (p *pipeliner) close() {
	p.cancel()
	p.wg.Wait()
}

func (p *pipeliner) work() {
	batch := make([]*call, 0, pipelineBatch)
	for {
		select {
		case c := <-p.queue:
			batch = append(batch[:0], c)
		case <-p.life.Done():
			return
		}
	fill:
		for len(batch) < pipelineBatch {
			select {
			case c := <-p.queue:
				batch = append(batch, c)
			default:
				break fill
			}
		}
		p.exec(batch)
		for i, c := range batch {
			c.done <- struct{}{}
			batch[i] = nil
		}
	}
}

// exec runs a batch as one pipeline. Calls whose script is missing from
// Redis's cache (a restart, SCRIPT FLUSH, a new cluster node) run again
// with EVAL, which loads it.
func (p *pipeliner) exec(batch []*call) {
	pipe := p.rdb.Pipeline()
	down := p.down()
	for _, c := range batch {
		if err := c.callerCtx.Err(); err != nil {
			c.cmd.SetErr(err)
			continue
		}
		if down && !c.probe {
			c.cmd.SetErr(errSkipped)
			continue
		}
		_ = pipe.Process(p.life, c.cmd)
	}
	if pipe.Len() == 0 {
		return
	}
	_, _ = pipe.Exec(p.life) // each command keeps its own error
	var again redis.Pipeliner
	for _, c := range batch {
		if !redis.HasErrorPrefix(c.cmd.Err(), "NOSCRIPT") {
			continue
		}
		if again == nil {
			again = p.rdb.Pipeline()
		}
		args := append([]any{"eval", gcraScript}, c.cmd.Args()[2:]...)
		c.cmd = redis.NewIntSliceCmd(p.life, args...)
		_ = again.Process(p.life, c.cmd)
	}
	if again != nil {
		_, _ = again.Exec(p.life)
	}
}
