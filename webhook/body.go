package webhook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// DefaultMaxBodyBytes is the body limit of every verifier whose
// MaxBodyBytes is zero: 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// ReadBody reads r's body, failing with ErrBodyTooLarge as soon as it is
// longer than limit bytes (at once when Content-Length says so). It
// leaves r.Body empty; see SetBody to give it back to a next handler.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBodyTooLarge, r.ContentLength, limit)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength >= 0 {
		// The length is known (net/http's server holds the body to it):
		// read exactly that, into one allocation.
		body := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, fmt.Errorf("webhook: reading body: %w", err)
		}
		return body, nil
	}
	buf := bytes.NewBuffer(make([]byte, 0, 4096))
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fmt.Errorf("%w: limit %d", ErrBodyTooLarge, limit)
		}
		return nil, fmt.Errorf("webhook: reading body: %w", err)
	}
	if n > limit {
		return nil, fmt.Errorf("%w: limit %d", ErrBodyTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// SetBody makes body the body of r again, for the next handler.
func SetBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}
