package webhook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
)

// DefaultMaxBodyBytes is the body limit of every verifier whose
// MaxBodyBytes is zero: 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// firstBodyBuffer is the most ReadBody reserves before the body's bytes
// arrive: a body announced larger grows as it comes.
const firstBodyBuffer = 8 << 10

// ReadBody reads r's body, failing with ErrBodyTooLarge as soon as it is
// longer than limit bytes (at once when Content-Length says so), and
// with ErrBodyTimeout when it does not arrive before the connection's
// read deadline (see ratelimit.Deadlines). It leaves r.Body empty; see
// SetBody to give it back to a next handler.
//
// Memory grows with the bytes received, never with the length the
// client announced: at most 8 KiB is reserved ahead, then the buffer
// doubles as it fills (up to the announced length), so a client that
// announces a megabyte and sends nothing holds 8 KiB. A body of up to
// 8 KiB with a Content-Length takes exactly one allocation.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBodyTooLarge, r.ContentLength, limit)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	// size is the most the buffer ever needs: the announced length, or
	// one byte past the limit to tell an oversized body.
	size := limit + 1
	if r.ContentLength >= 0 {
		size = r.ContentLength
	}
	if size == 0 {
		return []byte{}, nil
	}
	buf := make([]byte, 0, min(size, firstBodyBuffer))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) == size {
				if r.ContentLength >= 0 {
					return buf, nil // all announced bytes are here; net/http holds the body to them
				}
				return nil, fmt.Errorf("%w: limit %d", ErrBodyTooLarge, limit)
			}
			grown := make([]byte, len(buf), min(int64(2*cap(buf)), size))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case int64(len(buf)) > limit:
			return nil, fmt.Errorf("%w: limit %d", ErrBodyTooLarge, limit)
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return nil, bodyError(err, limit)
		}
	}
}

// bodyError classifies an error reading a body.
func bodyError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return fmt.Errorf("%w: limit %d", ErrBodyTooLarge, limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%w: the body did not arrive before its deadline", ErrBodyTimeout)
	}
	return fmt.Errorf("webhook: reading body: %w", err)
}

// SetBody makes body the body of r again, for the next handler.
func SetBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}
