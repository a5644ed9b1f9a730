package queue

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisBlockConns keeps the connections that blocking reads use, each to
// one node (the client's, or on Cluster the master of the stream's slot)
// with its CLIENT ID, so that a read blocked when its context ends can be
// woken with CLIENT UNBLOCK instead of waiting out its BLOCK time.
type redisBlockConns struct {
	mu     sync.Mutex
	free   map[*redis.Client][]*redisBlockConn // by node
	inUse  map[*redisBlockConn]struct{}
	closed bool
	// off is set when Redis refuses CLIENT ID (ACLs): blocking reads then
	// use the pool and are not woken early.
	off atomic.Bool
}

type redisBlockConn struct {
	node    *redis.Client // the node it is connected to
	conn    *redis.Conn
	id      int64
	reading atomic.Bool // a read is on its way or blocked
}

// blockingRead runs a blocking XREADGROUP. It is not cut short by ctx (a
// reply Redis has sent must be read, or the jobs in it would wait for their
// lease): when ctx ends, Redis is asked to unblock the read, which then
// returns at once with what it has.
func (r *Redis) blockingRead(ctx context.Context, a *redis.XReadGroupArgs) ([]redis.XStream, error) {
	if ctx.Err() != nil {
		return nil, nil
	}
	rctx := context.WithoutCancel(ctx)
	node := r.client
	if c, ok := r.rdb.(*redis.ClusterClient); ok && !r.blocks.off.Load() {
		var err error
		if node, err = c.MasterForKey(rctx, a.Streams[0]); err != nil {
			return nil, err
		}
	}
	if node == nil || r.blocks.off.Load() {
		return r.rdb.XReadGroup(rctx, a).Result()
	}
	bc, err := r.blocks.get(rctx, node)
	if err != nil {
		var rerr redis.Error
		if errors.As(err, &rerr) {
			r.blocks.off.Store(true)
			r.log.Warn("queue: CLIENT ID refused; idle fetches cannot be woken at shutdown", "error", err)
			return r.rdb.XReadGroup(rctx, a).Result()
		}
		return nil, err
	}
	bc.reading.Store(true)
	unblocked := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(unblocked)
		r.unblock(bc)
	})
	res, err := bc.conn.XReadGroup(rctx, a).Result()
	bc.reading.Store(false)
	if !stop() {
		// The wake-up is under way: let it end before bc goes back to
		// the pool, or it could wake the next read on bc.
		<-unblocked
	}
	r.blocks.put(bc, err)
	return res, err
}

// wakeReads wakes every blocked read of this broker (after Resume, so
// that the resumed queue is read at once).
func (r *Redis) wakeReads() {
	r.blocks.mu.Lock()
	defer r.blocks.mu.Unlock()
	for bc := range r.blocks.inUse {
		go r.unblock(bc)
	}
}

// unblock wakes the read blocked on bc, trying again briefly in case the
// read had not reached Redis yet.
func (r *Redis) unblock(bc *redisBlockConn) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for bc.reading.Load() && ctx.Err() == nil {
		if n, err := bc.node.ClientUnblock(ctx, bc.id).Result(); err != nil || n == 1 {
			return
		}
		t := time.NewTimer(5 * time.Millisecond)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

func (b *redisBlockConns) get(ctx context.Context, c *redis.Client) (*redisBlockConn, error) {
	b.mu.Lock()
	if free := b.free[c]; len(free) > 0 {
		bc := free[len(free)-1]
		b.free[c] = free[:len(free)-1]
		b.inUse[bc] = struct{}{}
		b.mu.Unlock()
		return bc, nil
	}
	b.mu.Unlock()
	// An ephemeral connection is closed, not pooled, when done with: no
	// late CLIENT UNBLOCK can reach another user of the pool.
	conn := c.EphemeralConn()
	id, err := conn.ClientID(ctx).Result()
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	bc := &redisBlockConn{node: c, conn: conn, id: id}
	b.mu.Lock()
	if b.inUse == nil {
		b.inUse = make(map[*redisBlockConn]struct{})
		b.free = make(map[*redis.Client][]*redisBlockConn)
	}
	b.inUse[bc] = struct{}{}
	b.mu.Unlock()
	return bc, nil
}

// put keeps bc for the next blocking read, unless its read failed.
func (b *redisBlockConns) put(bc *redisBlockConn, err error) {
	b.mu.Lock()
	delete(b.inUse, bc)
	if (err != nil && !errors.Is(err, redis.Nil)) || b.closed || len(b.free[bc.node]) >= 16 {
		b.mu.Unlock()
		_ = bc.conn.Close()
		return
	}
	b.free[bc.node] = append(b.free[bc.node], bc)
	b.mu.Unlock()
}

func (b *redisBlockConns) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for _, free := range b.free {
		for _, bc := range free {
			_ = bc.conn.Close()
		}
	}
	b.free = nil
}
