package imap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Reading literals. A server announces a literal's size ({n}) before
// its bytes, and that number is only the server's word: a tenant's
// server can announce a gigabyte and send nothing. So nothing here
// allocates from it. A buffer starts at most firstRead bytes long and
// grows, at most doubling, as bytes arrive; it never grows past
// Config.MaxMessageBytes. Of a literal announced larger than that, what
// is needed (the header, or the first MaxMessageBytes) is kept and the
// rest is read and dropped, through a small buffer, so that the
// connection stays in step with the server and can go on (IMAP cannot
// stop a FETCH halfway). The announced size only decides which of these
// happens, and bounds a buffer (a literal has exactly that many bytes).

// firstRead is the largest buffer a literal gets before its bytes
// arrive: most messages fit (the average is a few KiB), larger ones
// grow from there.
const firstRead = 64 << 10

// ErrTooLarge is the cause of an ErrPermanent error for a message, or a
// part of one, larger than Config.MaxMessageBytes (FetchAttachment).
// A sync does not fail on such a message: it reports it with a
// problem (see Config.MaxMessageBytes).
var ErrTooLarge = errors.New("imap: message larger than the maximum message size")

// literals reads literals for one command.
type literals struct {
	max      int64     // Config.MaxMessageBytes
	bufs     *bufCache // nil: plain allocations
	progress func()    // called after each read, for the watchdog
}

// all reads the whole of lit, which announces n bytes, at most l.max.
func (l *literals) all(lit io.Reader, n int64) ([]byte, error) {
	return l.fill(lit, n, false)
}

// prefix reads the first l.max bytes of lit, which announces n, and
// drops the rest; truncated reports that there was a rest.
func (l *literals) prefix(lit io.Reader, n int64) (b []byte, truncated bool, err error) {
	if b, err = l.fill(lit, min(n, l.max), false); err != nil {
		return nil, false, err
	}
	if n <= l.max {
		return b, false, nil
	}
	if err := l.drain(lit, n-int64(len(b))); err != nil {
		l.bufs.put(b)
		return nil, false, err
	}
	return b, true, nil
}

// header reads the header block of the message lit, which announces n
// bytes, as headerBlock finds it in the first l.max bytes, and drops
// the rest of the message.
func (l *literals) header(lit io.Reader, n int64) ([]byte, error) {
	b, err := l.fill(lit, min(n, l.max), true)
	if err != nil {
		return nil, err
	}
	if err := l.drain(lit, n-int64(len(b))); err != nil {
		l.bufs.put(b)
		return nil, err
	}
	return headerBlock(b), nil
}

// drain reads the n bytes left of lit and drops them. A literal that
// ends early is an error (the connection broke), never a success: the
// caller must then not touch the literal again (see conn.abandon).
func (l *literals) drain(lit io.Reader, n int64) error {
	_, err := io.CopyN(io.Discard, &progressReader{r: lit, progress: l.progress}, n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return fmt.Errorf("reading a literal: %w", err)
	}
	return nil
}

// fill reads from lit until it has n bytes, which lit announced (so it
// has them), or, with toHeader, until they hold the empty line that ends
// a message's header. The buffer grows with what arrives.
func (l *literals) fill(lit io.Reader, n int64, toHeader bool) ([]byte, error) {
	b := l.bufs.get(int(min(n, firstRead)))[:0]
	scan := 0 // where the header's next line starts
	for int64(len(b)) < n {
		if len(b) == cap(b) {
			grown := l.bufs.get(int(min(n, 2*int64(cap(b)))))
			copy(grown, b)
			l.bufs.put(b)
			b = grown[:len(b)]
		}
		k, err := lit.Read(b[len(b):int(min(n, int64(cap(b))))])
		b = b[:len(b)+k]
		if k > 0 && l.progress != nil {
			l.progress()
		}
		if err != nil && int64(len(b)) < n {
			l.bufs.put(b)
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("reading a literal: %w", err)
		}
		if toHeader {
			var done bool
			if scan, done = headerEnd(b, scan); done {
				break
			}
		}
	}
	return b, nil
}

// headerEnd looks for the empty line that ends a header in b, from
// from, the start of a line. It returns whether it found it, and else
// where the last (incomplete) line starts.
func headerEnd(b []byte, from int) (int, bool) {
	for from < len(b) {
		j := bytes.IndexByte(b[from:], '\n')
		if j < 0 {
			return from, false
		}
		if j == 0 || (j == 1 && b[from] == '\r') {
			return from, true
		}
		from += j + 1
	}
	return from, false
}

// progressReader calls progress after each read that brought bytes.
type progressReader struct {
	r        io.Reader
	progress func()
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 && p.progress != nil {
		p.progress()
	}
	return n, err
}
