package imapscript

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// internalDate is every message's INTERNALDATE.
const internalDate = `"02-Mar-2026 10:00:00 +0000"`

// fetch answers UID FETCH set items: every message of set, in UID
// order, with the items asked for (by name, in the uppercase items
// text). A non-nil error ends the session.
func (ss *session) fetch(set, items string) error {
	msgs := ss.s.opts.Messages
	for _, uid := range parseSet(set, len(msgs)) {
		m := &msgs[uid-1]
		fmt.Fprintf(ss.w, "* %d FETCH (UID %d", uid, uid)
		if strings.Contains(items, "FLAGS") {
			ss.w.WriteString(" FLAGS ()")
		}
		if strings.Contains(items, "INTERNALDATE") {
			ss.w.WriteString(" INTERNALDATE " + internalDate)
		}
		if strings.Contains(items, "RFC822.SIZE") {
			fmt.Fprintf(ss.w, " RFC822.SIZE %d", m.size())
		}
		if strings.Contains(items, "BODYSTRUCTURE") {
			body := m.size() - int64(len(header(m.Raw)))
			fmt.Fprintf(ss.w, ` BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" %d %d)`, max(body, 0), max(body/80, 1))
		}
		if strings.Contains(items, "[HEADER]") {
			h := header(m.Raw)
			fmt.Fprintf(ss.w, " BODY[HEADER] {%d}\r\n", len(h))
			ss.w.Write(h)
		}
		if strings.Contains(items, "[]") {
			if err := ss.body(m); err != nil {
				return err
			}
		}
		ss.line(")")
		if err := ss.w.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// body writes m's BODY[] item, playing its Rest.
func (ss *session) body(m *Message) error {
	n := m.announced()
	fmt.Fprintf(ss.w, " BODY[] {%d}\r\n", n)
	if err := ss.send(m, m.Raw); err != nil {
		return err
	}
	left := n - int64(len(m.Raw))
	if left == 0 {
		return nil
	}
	switch m.Rest {
	case Hangup:
		_ = ss.w.Flush()
		return errHangup
	case Fill:
		line := append(bytes.Repeat([]byte("x"), 76), '\r', '\n')
		chunk := bytes.Repeat(line, 32<<10/len(line))
		for left > 0 {
			k := min(left, int64(len(chunk)))
			if err := ss.send(m, chunk[:k]); err != nil {
				return err
			}
			left -= k
		}
		return nil
	default: // Hold
		if err := ss.w.Flush(); err != nil {
			return err
		}
		ss.s.held.Add(1)
		defer ss.s.held.Add(-1)
		// Wait for the client to hang up or the server to close, reading
		// and dropping whatever the client sends meanwhile.
		buf := make([]byte, 512)
		for {
			if _, err := ss.c.Read(buf); err != nil {
				return errHangup
			}
		}
	}
}

// send writes b, paced when m says so.
func (ss *session) send(m *Message, b []byte) error {
	if m.Pace <= 0 {
		_, err := ss.w.Write(b)
		return err
	}
	for len(b) > 0 {
		k := min(len(b), TricklePiece)
		if _, err := ss.w.Write(b[:k]); err != nil {
			return err
		}
		if err := ss.w.Flush(); err != nil {
			return err
		}
		b = b[k:]
		select {
		case <-time.After(m.Pace):
		case <-ss.s.done:
			return errHangup
		}
	}
	return nil
}

// header returns raw's header section with the empty line that ends it
// (all of raw when there is none), as BODY[HEADER] answers it.
func header(raw []byte) []byte {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			return raw
		}
		if j == 0 || (j == 1 && raw[i] == '\r') {
			return raw[:i+j+1]
		}
		i += j + 1
	}
	return raw
}

// parseSet returns the UIDs of an IMAP sequence set ("1:3,5", "4:*")
// that are between 1 and n, ascending, each once.
func parseSet(set string, n int) []int {
	in := make([]bool, n+1)
	for _, part := range strings.Split(set, ",") {
		a, b, isRange := strings.Cut(part, ":")
		lo, hi := setNum(a, n), setNum(b, n)
		if !isRange {
			hi = lo
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		for u := max(lo, 1); u <= min(hi, n); u++ {
			in[u] = true
		}
	}
	var out []int
	for u := 1; u <= n; u++ {
		if in[u] {
			out = append(out, u)
		}
	}
	return out
}

func setNum(s string, n int) int {
	if s == "*" {
		return n
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return min(v, n+1)
}
