package imap

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/connector"
)

// How long a pooled connection may sit unused before it is checked with
// a NOOP, and before it is closed rather than reused.
const (
	checkIdleAfter = 30 * time.Second
	maxIdleAge     = 5 * time.Minute
)

// pool holds the Connector's connections: at most Config.MaxConnections
// at once, counting Listen's, with unused ones kept for reuse.
type pool struct {
	cfg  *Config
	sem  chan struct{} // one token per open or opening connection
	done chan struct{} // closed by close

	mu     sync.Mutex
	idle   []*conn
	closed bool

	open atomic.Int32 // connections open, for Stats
}

func newPool(cfg *Config) *pool {
	return &pool{cfg: cfg, sem: make(chan struct{}, cfg.MaxConnections), done: make(chan struct{})}
}

// acquire takes a connection slot.
func (p *pool) acquire(ctx context.Context, op string) error {
	select {
	case <-p.done:
		return connector.NewError(connector.ErrPermanent, op, ErrClosed)
	default:
	}
	select {
	case p.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return classify(op, ctx.Err())
	case <-p.done:
		return connector.NewError(connector.ErrPermanent, op, ErrClosed)
	}
}

func (p *pool) release() { <-p.sem }

// dial opens a connection in a slot already acquired.
func (p *pool) dial(ctx context.Context, handler *imapclient.UnilateralDataHandler) (*conn, error) {
	c, err := dial(ctx, p.cfg, handler)
	if err != nil {
		return nil, err
	}
	p.open.Add(1)
	return c, nil
}

// get returns a connection for op: a pooled one if a healthy one is
// there, otherwise a new one. The caller returns it with put.
func (p *pool) get(ctx context.Context, op string) (*conn, error) {
	if err := p.acquire(ctx, op); err != nil {
		return nil, err
	}
	for {
		c := p.popIdle()
		if c == nil {
			break
		}
		if p.healthy(ctx, c) {
			return c, nil
		}
		p.discard(c)
	}
	c, err := p.dial(ctx, nil)
	if err != nil {
		p.release()
		return nil, err
	}
	return c, nil
}

// fresh returns a newly dialled connection, never a pooled one: Test
// uses it to check the credentials for real.
func (p *pool) fresh(ctx context.Context, op string) (*conn, error) {
	if err := p.acquire(ctx, op); err != nil {
		return nil, err
	}
	c, err := p.dial(ctx, nil)
	if err != nil {
		p.release()
		return nil, err
	}
	return c, nil
}

func (p *pool) popIdle() *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	c := p.idle[n-1]
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	return c
}

// healthy reports whether a pooled connection can be reused: open, not
// too old, and answering a NOOP if it sat unused for a while.
func (p *pool) healthy(ctx context.Context, c *conn) bool {
	if !c.usable() {
		return false
	}
	idle := time.Since(c.lastUsed)
	if idle > maxIdleAge {
		return false
	}
	if idle > checkIdleAfter {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := c.noop(ctx); err != nil {
			return false
		}
	}
	return true
}

// put gives c back: kept for reuse when healthy, closed otherwise.
func (p *pool) put(c *conn) {
	defer p.release()
	p.mu.Lock()
	if !p.closed && c.usable() {
		c.lastUsed = time.Now()
		p.idle = append(p.idle, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.discard(c)
}

// discard closes c for good.
func (p *pool) discard(c *conn) {
	c.close()
	p.open.Add(-1)
}

// close closes the idle connections and makes get fail; connections in
// use are closed when they come back.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range idle {
		wg.Go(func() {
			c.logout(2 * time.Second)
			p.open.Add(-1)
		})
	}
	wg.Wait()
}
