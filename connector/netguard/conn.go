package netguard

import (
	"context"
	"net"
	"sync"
	"time"
)

// leasedConn is a connection holding semaphore slots: it extends them
// while it is open and releases them when it is closed.
type leasedConn struct {
	net.Conn
	d *Dialer

	mu     sync.Mutex
	leases []Lease // nil once released
	timer  *time.Timer
}

func newLeasedConn(c net.Conn, leases []Lease, d *Dialer) *leasedConn {
	lc := &leasedConn{Conn: c, d: d, leases: leases}
	lc.mu.Lock()
	lc.timer = time.AfterFunc(d.opts.ExtendEvery, lc.extend)
	lc.mu.Unlock()
	return lc
}

// extend renews the leases and schedules the next renewal.
func (c *leasedConn) extend() {
	c.mu.Lock()
	leases := c.leases
	c.mu.Unlock()
	if leases == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.d.opts.ExtendEvery)
	for _, l := range leases {
		if err := l.Extend(ctx); err != nil {
			// Lost (expired while the semaphore was unreachable) or the
			// semaphore is down: the slot may be counted free for a while.
			c.d.opts.Logger.Warn("netguard: extending a connection slot failed", "error", err)
		}
	}
	cancel()
	c.mu.Lock()
	if c.leases != nil {
		c.timer.Reset(c.d.opts.ExtendEvery)
	}
	c.mu.Unlock()
}

// Close closes the connection and gives its slots back; closing twice
// gives them back once.
func (c *leasedConn) Close() error {
	err := c.Conn.Close()
	c.mu.Lock()
	leases := c.leases
	c.leases = nil
	c.timer.Stop()
	c.mu.Unlock()
	c.d.release(leases)
	return err
}
