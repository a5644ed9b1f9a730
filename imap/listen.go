package imap

import (
	"context"
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/retry"
)

// Listen watches the mailbox and calls notify when it may have changed,
// until ctx ends (it then returns ctx.Err()) or the connector is closed
// (ErrClosed). It implements connector.Listener.
//
// It holds a connection of its own, one of Config.MaxConnections, so that
// a long Sync never delays news. On it, it EXAMINEs the first configured
// folder and IDLEs (RFC 2177), ending and re-issuing IDLE every
// Config.IdleRefresh, well before servers drop an idle client at 30
// minutes. New mail, expunges and flag changes in that folder arrive as
// unilateral data; go-imap's reader hands them to a buffered channel
// without ever blocking, and Listen's own goroutine calls notify. The
// other folders are checked with STATUS every Config.PollInterval, and so
// is every folder on a server without IDLE (with a NOOP for the first).
//
// Each time it is connected and waiting for news (at the start, and
// after reconnecting) it calls notify once with an empty Folder: what
// arrived before may not be reported by the server, and is the caller's
// sync's to find. After the connection drops, Listen reconnects with
// exponential backoff and jitter (retry.Backoff: from
// Config.ReconnectBackoff, doubling up to Config.ReconnectBackoffMax).
// It gives up on rejected credentials (ErrAuth) and on what retrying
// cannot fix (ErrPermanent, ErrNotFound: a TLS misconfiguration, a
// missing folder).
func (c *Connector) Listen(ctx context.Context, notify func(connector.Notification)) error {
	const op = "imap: listen"
	if c.cfg.MaxConnections < 2 {
		return connector.PermanentError(op, errors.New("Config.MaxConnections is 1: Listen needs a connection of its own beside Sync's"))
	}
	if err := c.pool.acquire(ctx, op); err != nil {
		return err
	}
	defer c.pool.release()

	backoff := retry.Backoff{Base: c.cfg.ReconnectBackoff, Max: c.cfg.ReconnectBackoffMax}
	for failures := 1; ; failures++ {
		start := time.Now()
		established, err := c.listenOnce(ctx, notify)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case c.isClosed():
			return connector.NewError(connector.ErrPermanent, op, ErrClosed)
		case errors.Is(err, connector.ErrAuth), errors.Is(err, connector.ErrPermanent), errors.Is(err, connector.ErrNotFound):
			return err
		}
		if established && time.Since(start) > time.Minute {
			failures = 1 // a connection that lasted: start the backoff over
		}
		wait := backoff.Delay(failures)
		c.log.Warn("imap: listen connection lost, reconnecting", "error", err, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-c.pool.done:
			t.Stop()
			return connector.NewError(connector.ErrPermanent, op, ErrClosed)
		}
	}
}

func (c *Connector) isClosed() bool {
	select {
	case <-c.pool.done:
		return true
	default:
		return false
	}
}

// listenOnce runs one connection until it fails or ctx ends.
// established reports whether it got as far as waiting for news.
func (c *Connector) listenOnce(ctx context.Context, notify func(connector.Notification)) (established bool, err error) {
	const op = "imap: listen"
	events := make(chan struct{}, 1)
	signal := func() {
		select { // never block go-imap's reader
		case events <- struct{}{}:
		default:
		}
	}
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				signal()
			}
		},
		Expunge: func(uint32) { signal() },
		Fetch: func(msg *imapclient.FetchMessageData) {
			// Called on a goroutine of its own; the data must be read.
			for msg.Next() != nil {
			}
			signal()
		},
	}
	cn, err := c.pool.dial(ctx, handler)
	if err != nil {
		return false, err
	}
	defer func() {
		cn.close()
		c.pool.open.Add(-1)
	}()
	folders := c.cfg.Folders
	if _, err := cn.selectFolder(ctx, folders[0], true); err != nil {
		return false, err
	}
	others := map[string]statusKey{}
	for _, f := range folders[1:] {
		k, err := cn.status(ctx, f)
		if err != nil {
			return false, err
		}
		others[f] = k
	}
	idle := cn.caps.Has(imap.CapIdle) || cn.caps.Has(imap.CapIMAP4rev2)
	period := c.cfg.PollInterval
	if idle {
		period = c.cfg.IdleRefresh
		if len(folders) > 1 {
			period = min(period, c.cfg.PollInterval)
		}
	}
	// Once waiting for news (IDLE acknowledged, or polling), say that
	// the mailbox may have changed: whatever arrived before is the
	// caller's sync's to find, whatever arrives after is IDLE's. Some
	// servers do not report, when IDLE starts, what changed since the
	// SELECT.
	listening := false
	ready := func() {
		if !listening {
			listening = true
			c.listening.Add(1)
			notify(connector.Notification{At: time.Now()})
		}
	}
	defer func() {
		if listening {
			c.listening.Add(-1)
		}
	}()
	lastPoll := time.Now()
	for {
		var ic *imapclient.IdleCommand
		if idle {
			if err := cn.run(ctx, func() error {
				var err error
				ic, err = cn.client.Idle()
				return err
			}); err != nil {
				return true, classify(op+": idle", err)
			}
		}
		ready()
		err := c.wait(ctx, cn, period, events, folders[0], notify)
		if ic != nil {
			if ctx.Err() != nil || c.isClosed() {
				_ = ic.Close() // DONE, without waiting: the connection is closed next
				return true, err
			}
			if err == nil {
				err = cn.run(ctx, func() error {
					if err := ic.Close(); err != nil {
						return err
					}
					return ic.Wait()
				})
			}
		}
		if err != nil {
			return true, classify(op, err)
		}
		// Is the connection alive? Without IDLE, this is also the poll:
		// the server reports changes in answer to a command.
		if err := cn.noop(ctx); err != nil {
			return true, classify(op+": noop", err)
		}
		if len(others) > 0 && (!idle || time.Since(lastPoll) >= c.cfg.PollInterval*9/10) {
			lastPoll = time.Now()
			for f, before := range others {
				now, err := cn.status(ctx, f)
				if err != nil {
					return true, err
				}
				if now != before {
					others[f] = now
					notify(connector.Notification{Folder: f, At: time.Now()})
				}
			}
		}
	}
}

// wait waits for period, calling notify for each event, until ctx ends,
// the connector closes or the connection drops.
func (c *Connector) wait(ctx context.Context, cn *conn, period time.Duration, events <-chan struct{}, folder string, notify func(connector.Notification)) error {
	t := time.NewTimer(period)
	defer t.Stop()
	for {
		select {
		case <-events:
			notify(connector.Notification{Folder: folder, At: time.Now()})
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-c.pool.done:
			return ErrClosed
		case <-cn.client.Closed():
			return connector.TemporaryError("imap: listen", errors.New("the server closed the connection"))
		}
	}
}
