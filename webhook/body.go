package webhook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
)

// DefaultMaxBodyBytes is the body limit of every verifier whose
// MaxBodyBytes is zero: 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// smallBody is the largest announced body ReadBody reads straight into
// one allocation of its size; larger or unannounced ones are read in
// pieces (bodyPiece).
const smallBody = 8 << 10

// bodyPiece is the size of the pieces a larger body is read into: each
// taken from bodyPieces as the previous one fills, all given back once
// the body is joined, or cut short.
const bodyPiece = 32 << 10

// bodyPieces holds the pieces of bodies being read.
var bodyPieces = sync.Pool{New: func() any { return new([bodyPiece]byte) }}

// ReadBody reads r's body, failing with ErrBodyTooLarge as soon as it is
// longer than limit bytes (at once when Content-Length says so), and
// with ErrBodyTimeout when it does not arrive before the connection's
// read deadline (see ratelimit.Deadlines). It leaves r.Body empty; see
// SetBody to give it back to a next handler.
//
// Memory grows with the bytes received, never with the length the
// client announced. A body announced at up to 8 KiB is read into one
// allocation of its size. Any other is read into 32 KiB pieces taken as
// the previous one fills, from a pool the pieces go back to as soon as
// the body is complete (joined into one allocation of its size) or
// fails: a client that announces a megabyte and sends a little holds a
// piece, and the pieces of a body cut at its deadline serve the next
// body at once, without waiting for the garbage collector.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBodyTooLarge, r.ContentLength, limit)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	switch {
	case r.ContentLength == 0:
		return []byte{}, nil
	case r.ContentLength > 0 && r.ContentLength <= smallBody:
		return readSmall(r.Body, r.ContentLength)
	}
	return readPieces(r.Body, r.ContentLength, limit)
}

// readSmall reads a body announced as n bytes, n at most smallBody.
// net/http holds the body to its announced length.
func readSmall(body io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, n)
	if _, err := io.ReadFull(body, buf); err != nil {
		return nil, bodyError(err, n)
	}
	return buf, nil
}

// readPieces reads a body of announced length (or -1 when unknown) of
// at most limit bytes into pooled pieces, then joins them.
func readPieces(body io.Reader, length, limit int64) ([]byte, error) {
	pieces := make([]*[bodyPiece]byte, 0, 4)
	defer func() {
		for _, p := range pieces {
			bodyPieces.Put(p)
		}
	}()
	var total int64
	fill := bodyPiece // of the last piece; none yet
	for {
		if length >= 0 && total == length {
			break // all announced bytes are here
		}
		if fill == bodyPiece {
			pieces = append(pieces, bodyPieces.Get().(*[bodyPiece]byte))
			fill = 0
		}
		n, err := body.Read(pieces[len(pieces)-1][fill:])
		fill += n
		total += int64(n)
		if total > limit {
			return nil, fmt.Errorf("%w: limit %d", ErrBodyTooLarge, limit)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bodyError(err, limit)
		}
	}
	out := make([]byte, total)
	at := 0
	for _, p := range pieces {
		at += copy(out[at:], p[:])
	}
	return out, nil
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
