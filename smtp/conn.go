package smtp

import (
	"net"
	"sync"
	"time"
)

// guardConn is the TCP connection under go-mail's SMTP client (and under
// TLS, when there is TLS). It does two things go-mail does not:
//
//   - a context can abort it: abort sets a deadline in the past, so that
//     a read or write in progress returns at once and every later one
//     fails, whatever deadline go-mail sets afterwards;
//   - its timeout is an idle timeout: each Read and Write gets timeout
//     from when it starts, instead of go-mail's one deadline for a whole
//     message, so a large message on a slow link does not fail while it
//     makes progress. go-mail's own SetDeadline calls are ignored.
type guardConn struct {
	net.Conn
	timeout time.Duration

	mu      sync.Mutex
	aborted bool
}

// longAgo is a deadline in the past.
var longAgo = time.Unix(1, 0)

func newGuardConn(c net.Conn, timeout time.Duration) *guardConn {
	return &guardConn{Conn: c, timeout: timeout}
}

// arm sets the deadline of the next read or write.
func (g *guardConn) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.aborted {
		_ = g.Conn.SetDeadline(longAgo)
		return
	}
	_ = g.Conn.SetDeadline(time.Now().Add(g.timeout))
}

// abort makes every read and write, in progress or later, fail.
func (g *guardConn) abort() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.aborted = true
	_ = g.Conn.SetDeadline(longAgo)
}

// wasAborted reports whether abort was called.
func (g *guardConn) wasAborted() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.aborted
}

// Read reads with a fresh idle deadline.
func (g *guardConn) Read(b []byte) (int, error) {
	g.arm()
	return g.Conn.Read(b)
}

// Write writes with a fresh idle deadline.
func (g *guardConn) Write(b []byte) (int, error) {
	g.arm()
	return g.Conn.Write(b)
}

// SetDeadline does nothing: the guard owns the deadlines (see
// guardConn).
func (g *guardConn) SetDeadline(time.Time) error { return nil }

// SetReadDeadline does nothing, like SetDeadline.
func (g *guardConn) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline does nothing, like SetDeadline.
func (g *guardConn) SetWriteDeadline(time.Time) error { return nil }
