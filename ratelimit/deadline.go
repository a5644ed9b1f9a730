package ratelimit

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// DeadlineOptions configures Deadlines.
type DeadlineOptions struct {
	// BodyTimeout is how long a request's body may take to arrive,
	// counted from when the handler is called (its headers are read).
	// It must be positive.
	BodyTimeout time.Duration
	// MinBodyRate, when positive, is the slowest average rate, in bytes
	// per second, at which a body may keep arriving past BodyTimeout:
	// every MinBodyRate bytes received move the deadline on by a second.
	// A large body sent at least that fast is never cut; a stalled or
	// trickled one is cut at BodyTimeout plus what it sent over
	// MinBodyRate. Zero: the deadline is BodyTimeout whatever the size.
	MinBodyRate int64
	// WriteTimeout, when positive, is how long the handler and the
	// writing of its response may take, counted from when the handler
	// is called: a client that stops reading its answer cannot hold the
	// connection longer. Zero sets no write deadline (routes that
	// stream long responses).
	WriteTimeout time.Duration
}

// Deadlines returns HTTP middleware that gives each request's body a
// deadline (see DeadlineOptions) and, with WriteTimeout, its response
// one, through the ResponseWriter's SetReadDeadline and
// SetWriteDeadline (found as http.ResponseController finds them): per
// route, unlike
// http.Server's ReadTimeout and WriteTimeout, so that routes that must
// answer slowly or at length are simply not wrapped. It costs a request
// without a body nothing but the write deadline.
//
// A body that misses its deadline fails the handler's next Read with an
// error that matches os.ErrDeadlineExceeded (errors.Is); the handler
// can still answer (408 Request Timeout, say: webhook.ReadBody returns
// webhook.ErrBodyTimeout), after which net/http closes the connection.
// Once the body has been read to its end, the read deadline is lifted
// by net/http, so a handler that works long after reading is not
// disturbed. A ResponseWriter that cannot take deadlines (an
// httptest.ResponseRecorder) is served without them.
//
// The middleware bounds how long a slow client holds a connection, and
// the memory of a body read as it arrives; it does not bound the body's
// size (http.MaxBytesReader) nor how many connections a client opens
// (Middleware limits its requests).
func Deadlines(opts DeadlineOptions) (func(http.Handler) http.Handler, error) {
	switch {
	case opts.BodyTimeout <= 0:
		return nil, fmt.Errorf("ratelimit: DeadlineOptions.BodyTimeout must be positive, got %v", opts.BodyTimeout)
	case opts.MinBodyRate < 0:
		return nil, fmt.Errorf("ratelimit: DeadlineOptions.MinBodyRate must not be negative, got %d", opts.MinBodyRate)
	case opts.WriteTimeout < 0:
		return nil, fmt.Errorf("ratelimit: DeadlineOptions.WriteTimeout must not be negative, got %v", opts.WriteTimeout)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn := deadlinesOf(w)
			if conn == nil {
				next.ServeHTTP(w, r)
				return
			}
			start := time.Now()
			if opts.WriteTimeout > 0 {
				_ = conn.SetWriteDeadline(start.Add(opts.WriteTimeout))
			}
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			deadline := start.Add(opts.BodyTimeout)
			if err := conn.SetReadDeadline(deadline); err != nil {
				next.ServeHTTP(w, r)
				return
			}
			if opts.MinBodyRate > 0 {
				r.Body = &rateBody{ReadCloser: r.Body, conn: conn, base: deadline, set: deadline, rate: opts.MinBodyRate}
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

// connDeadlines is what a ResponseWriter of net/http's server offers
// (and http.ResponseController calls).
type connDeadlines interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// deadlinesOf finds w's connection deadlines as http.ResponseController
// does, through the Unwrap methods of wrapping writers, without
// allocating; nil when w has none.
func deadlinesOf(w http.ResponseWriter) connDeadlines {
	for {
		if d, ok := w.(connDeadlines); ok {
			return d
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}

// deadlineStep is how far past the deadline in force the received
// bytes must have moved it before rateBody sets it again: the deadline
// is at most this much earlier than the rate says, and a body of many
// small reads does not pay a system call for each.
const deadlineStep = 250 * time.Millisecond

// rateBody moves the read deadline on as the body arrives: base plus a
// second per rate bytes received.
type rateBody struct {
	io.ReadCloser
	conn     connDeadlines
	base     time.Time // the deadline with nothing received
	set      time.Time // the deadline in force
	rate     int64     // bytes per second
	received int64
	done     bool // the body ended or failed: leave the deadline alone
}

// Read reads from the body and, while it goes on, moves the deadline.
// Once the body has ended (net/http lifts the deadline then) or failed,
// it is no longer touched.
func (b *rateBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.done {
		return n, err
	}
	if err != nil {
		b.done = true
		return n, err
	}
	b.received += int64(n)
	next := b.base.Add(time.Duration(float64(b.received) / float64(b.rate) * float64(time.Second)))
	if next.Sub(b.set) >= deadlineStep {
		if serr := b.conn.SetReadDeadline(next); serr != nil {
			b.done = true // the connection is gone; the next Read says so
		} else {
			b.set = next
		}
	}
	return n, nil
}
