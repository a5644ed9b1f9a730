package smtp

import (
	"context"
	"sync"

	gomail "github.com/wneessen/go-mail"

	"github.com/ucsp/integration/connector"
)

// Session is a connection to the server kept open for several messages,
// for bulk sends. It reconnects by itself when the server has closed the
// connection (an idle timeout, a limit of messages per connection); a
// message that the server may have accepted is never sent twice by the
// Session.
//
// A Session is safe for concurrent use; its sends run one at a time.
// Close it when done.
type Session struct {
	s      *Sender
	mu     sync.Mutex
	c      *conn // nil when not connected
	closed bool
}

// Dial connects, negotiates TLS and authenticates, and returns the open
// Session. Errors are classified like Send's.
func (s *Sender) Dial(ctx context.Context) (*Session, error) {
	c, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	return &Session{s: s, c: c}, nil
}

// Send sends msg on the session's connection, reconnecting first if it
// was lost. It behaves as Sender.Send otherwise: an invalid msg is
// refused before anything is sent, and errors are classified. A failure
// of one message (a rejected recipient) leaves the session usable.
func (ss *Session) Send(ctx context.Context, msg *connector.OutboundMessage) (*connector.SendResult, error) {
	gm, err := ss.s.build(msg)
	if err != nil {
		return nil, err
	}
	res, _, err := ss.sendBuilt(ctx, gm, msg)
	return res, err
}

// Close says QUIT and closes the connection. Messages sent before stay
// sent whatever happens to the QUIT, so Close returns nil; it is there
// to satisfy io.Closer. Send after Close fails with ErrClosed.
func (ss *Session) Close() error {
	ss.quit(context.Background())
	return nil
}

// quit is Close bounded by ctx.
func (ss *Session) quit(ctx context.Context) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.closed = true
	if ss.c != nil {
		ss.c.quit(ctx)
		ss.c = nil
	}
}

// drop closes a connection that cannot be used again.
func (ss *Session) drop() {
	if ss.c != nil {
		ss.c.close()
		ss.c = nil
	}
}

// sendBuilt sends gm, built from msg. failedDial reports that err is an
// error of connecting, not of this message.
func (ss *Session) sendBuilt(ctx context.Context, gm *gomail.Msg, msg *connector.OutboundMessage) (res *connector.SendResult, failedDial bool, err error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	op := "smtp: send " + msg.MessageID
	if ss.closed {
		return nil, false, connector.PermanentError(op, ErrClosed)
	}
	size := int64(-1) // measured when a server states a SIZE
	for retried := false; ; retried = true {
		if ss.c == nil {
			c, err := ss.s.dial(ctx)
			if err != nil {
				return nil, true, err
			}
			ss.c = c
		}
		c := ss.c
		if err := c.checkSize(gm, &size, ss.s.cfg.addr()); err != nil {
			// No transaction was started: the connection stays usable.
			return nil, false, connector.PermanentError(op, err)
		}
		reused := c.sent > 0
		aborted, err := c.send(ctx, gm)
		if err == nil || gm.IsDelivered() {
			// Delivered; an error here is the RSET after it.
			c.sent++
			if err != nil || aborted {
				ss.drop()
			}
			ss.s.log.Debug("smtp: sent", "message_id", msg.MessageID, "server", ss.s.cfg.addr(), "response", gm.ServerResponse())
			return &connector.SendResult{MessageID: msg.MessageID, Response: gm.ServerResponse()}, false, nil
		}
		switch {
		case aborted || connLost(err):
			ss.drop()
		default:
			if rerr := c.reset(ctx); rerr != nil {
				ss.drop()
			}
		}
		if !retried && reused && nothingSent(err) && ctx.Err() == nil {
			ss.s.log.Debug("smtp: connection lost before sending, reconnecting", "message_id", msg.MessageID, "server", ss.s.cfg.addr())
			continue
		}
		return nil, false, classifySend(ctx, op, err)
	}
}
