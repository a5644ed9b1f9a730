// Package firstline keeps the first line a server sends on a
// connection, so that a client whose protocol greeting failed can tell
// a server of its protocol that misbehaved from something else
// listening on the port (an SSH or HTTP server), and say so without
// repeating what that something sent.
//
// It is not a parser: the protocol's client reads the connection as
// usual, through a Conn.
package firstline

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
)

// maxLine is how much of the first line a Conn keeps.
const maxLine = 512

// Conn is a net.Conn that keeps a copy of the first line read from it
// (at most 512 bytes, its line end included). Once the line is complete
// its Read is the connection's.
type Conn struct {
	net.Conn
	done atomic.Bool // the line is complete, or long enough
	mu   sync.Mutex
	line []byte
}

// New returns c keeping its first line.
func New(c net.Conn) *Conn { return &Conn{Conn: c} }

// Read reads from the connection, keeping what belongs to the first
// line.
func (c *Conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.done.Load() {
		c.keep(b[:n])
	}
	return n, err
}

func (c *Conn) keep(chunk []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	full := false
	if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
		chunk, full = chunk[:i+1], true
	}
	if room := maxLine - len(c.line); len(chunk) >= room {
		chunk, full = chunk[:room], true
	}
	c.line = append(c.line, chunk...)
	if full {
		c.done.Store(true)
	}
}

// Line returns a copy of what was read of the first line so far (nil
// for a nil Conn).
func (c *Conn) Line() []byte {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.line)
}

// CouldStart reports whether line (the first bytes a server sent) is,
// or may become once more bytes come, a line beginning with one of
// prefixes. Letters compare case-insensitively; '#' in a prefix stands
// for any digit. An empty line could start anything.
func CouldStart(line []byte, prefixes ...string) bool {
	for _, p := range prefixes {
		n := min(len(line), len(p))
		if matches(line[:n], p[:n]) {
			return true
		}
	}
	return false
}

func matches(b []byte, p string) bool {
	for i := range len(b) {
		c, q := b[i], p[i]
		switch {
		case q == '#':
			if c < '0' || c > '9' {
				return false
			}
		case 'a' <= c && c <= 'z':
			if c-'a'+'A' != q {
				return false
			}
		case c != q:
			return false
		}
	}
	return true
}
