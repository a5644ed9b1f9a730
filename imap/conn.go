package imap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// conn is one authenticated connection to the server.
//
// go-imap's commands take no context and wait as long as the server
// takes, so every command runs under a watchdog (run, watch) that closes
// the network connection when the caller's ctx ends or the server stays
// silent for Config.CommandTimeout; the blocked command then fails and
// the connection is discarded.
type conn struct {
	client  *imapclient.Client
	netConn net.Conn // what client reads and writes: plain or TLS
	caps    imap.CapSet
	timeout time.Duration
	// maxLiteral is Config.MaxMessageBytes, the most of a literal
	// fetchEach keeps.
	maxLiteral int64

	broken   atomic.Bool
	lastUsed time.Time // guarded by the pool
	once     sync.Once

	// issueMu orders kill and issue: a command is never written to a
	// connection this side closed. (go-imap handles a failed write by
	// completing every pending command from the writing goroutine, racing
	// with its reader.)
	issueMu sync.Mutex
}

// errBroken is returned by issue on a connection given up.
var errBroken = errors.New("connection given up")

// kill closes the network connection for good, unblocking whatever waits
// on it. It does not wait for go-imap's reader (see abandon).
func (c *conn) kill() {
	c.issueMu.Lock()
	defer c.issueMu.Unlock()
	c.broken.Store(true)
	_ = c.netConn.Close()
}

// issue calls send, which writes one command, unless the connection was
// killed.
func (c *conn) issue(send func()) error {
	c.issueMu.Lock()
	defer c.issueMu.Unlock()
	if c.broken.Load() {
		return errBroken
	}
	send()
	return nil
}

// usable reports whether c can take another command.
func (c *conn) usable() bool {
	if c.broken.Load() {
		return false
	}
	select {
	case <-c.client.Closed():
		return false
	default:
		return true
	}
}

// close closes the connection without a LOGOUT.
func (c *conn) close() {
	c.once.Do(func() {
		c.broken.Store(true)
		_ = c.client.Close()
	})
}

// abandon gives c up after a failed read of a literal: it closes the
// network connection and waits for go-imap's reader to end. A literal
// whose read failed must not be read again while that reader runs (go-imap
// resumes reading the connection as soon as a literal read fails, and its
// discard would read the same bufio.Reader concurrently), so after an
// abandon nothing of the connection is touched but Close.
func (c *conn) abandon() {
	c.kill()
	<-c.client.Closed()
}

// logout says goodbye politely, then closes.
func (c *conn) logout(timeout time.Duration) {
	if c.usable() {
		done := make(chan struct{})
		t := time.AfterFunc(timeout, func() { _ = c.netConn.Close() })
		go func() {
			defer close(done)
			_ = c.client.Logout().Wait()
		}()
		<-done
		t.Stop()
	}
	c.close()
}

// The reasons a watchdog fired.
const (
	firedNone int32 = iota
	firedCtx
	firedTimeout
)

// watchdog abandons c when ctx ends, or when someone waits for the
// server and the server sends nothing for c.timeout. Goroutines waiting
// for the server say so with enter and leave (run does it for one
// command); progress says the server answered. Always call stop.
type watchdog struct {
	c       *conn
	ctx     context.Context
	stopCtx func() bool
	timer   *time.Timer
	period  time.Duration

	waiting atomic.Int32 // goroutines waiting for the server
	last    atomic.Int64 // when the server last answered, or waiting began (UnixNano)
	fired   atomic.Int32
}

func (c *conn) watch(ctx context.Context) *watchdog {
	w := &watchdog{c: c, ctx: ctx, period: max(c.timeout/4, time.Millisecond)}
	w.last.Store(time.Now().UnixNano())
	w.stopCtx = context.AfterFunc(ctx, func() { w.fire(firedCtx) })
	w.timer = time.AfterFunc(w.period, w.tick)
	return w
}

func (w *watchdog) tick() {
	if w.waiting.Load() > 0 && time.Since(time.Unix(0, w.last.Load())) >= w.c.timeout {
		w.fire(firedTimeout)
		return
	}
	if w.fired.Load() == firedNone {
		w.timer.Reset(w.period)
	}
}

func (w *watchdog) fire(why int32) {
	if w.fired.CompareAndSwap(firedNone, why) {
		// Close the network connection, not the client: Client.Close
		// waits for go-imap's reader, which may be waiting for us.
		w.c.kill()
	}
}

// enter: the caller now waits for the server.
func (w *watchdog) enter() {
	if w.waiting.Add(1) == 1 {
		w.progress()
	}
}

// leave: the caller no longer waits for the server (it waits for its own
// consumer, or is done).
func (w *watchdog) leave() { w.waiting.Add(-1) }

// progress: the server answered.
func (w *watchdog) progress() { w.last.Store(time.Now().UnixNano()) }

// stop ends the watch and translates err: the caller's ctx error if ctx
// ended, errTimeout if the server went silent. A connection-level error
// marks c broken.
func (w *watchdog) stop(err error) error {
	w.stopCtx()
	w.timer.Stop()
	w.fired.CompareAndSwap(firedNone, -1) // no firing after stop
	switch w.fired.Load() {
	case firedCtx:
		return w.ctx.Err()
	case firedTimeout:
		return fmt.Errorf("%w (%s)", errTimeout, w.c.timeout)
	}
	if isConnBroken(err) {
		w.c.broken.Store(true)
	}
	return err
}

// run runs fn, which sends one command and waits for its answer, under
// a watchdog. Prefer do, which also orders the send with kill; run is for
// commands that wait for the server while sending (APPEND's literal,
// IDLE's continuation).
func (c *conn) run(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := c.watch(ctx)
	w.enter()
	return w.stop(fn())
}

// do sends a command with send and waits for its answer with wait, under
// a watchdog; the send never reaches a connection already killed.
func do[T any](ctx context.Context, c *conn, send func() T, wait func(T) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := c.watch(ctx)
	w.enter()
	var cmd T
	if err := c.issue(func() { cmd = send() }); err != nil {
		return w.stop(err)
	}
	return w.stop(wait(cmd))
}

// noop sends a NOOP, which also makes the server report what changed.
func (c *conn) noop(ctx context.Context) error {
	return do(ctx, c, c.client.Noop, (*imapclient.Command).Wait)
}
