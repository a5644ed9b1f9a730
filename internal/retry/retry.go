// Package retry is the module's one policy for waiting before trying
// again: exponential backoff with jitter, and the wait a server asks
// for with Retry-After. The connectors, the queue's default backoff and
// the event outbox share it, so that a server's Retry-After is read the
// same way everywhere and capped the same way.
//
// It is not a retry loop: callers decide whether to retry (from an
// error's kind) and how often; this package says only how long to wait.
package retry

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxAfter caps the wait a Retry-After asks for: a server (or a hostile
// receiver) asking for more is waited on for an hour, then tried again.
const MaxAfter = time.Hour

// Backoff is exponential backoff with "equal jitter": the wait before
// the retry after attempt n (counting from 1) is Base doubled n-1 times,
// at most Max, of which half is fixed and half random, so that clients
// failing together do not retry together and each still waits at least
// half the exponential delay. The zero value waits from 1 s to 1 h.
type Backoff struct {
	// Base is the first wait before jitter (default 1 s).
	Base time.Duration
	// Max caps the wait before jitter (default 1 h).
	Max time.Duration
}

// Delay returns the wait after the failed attempt n (1 for the first).
func (b Backoff) Delay(n int) time.Duration {
	d := b.Ceiling(n)
	return d/2 + rand.N(d/2+1)
}

// Ceiling returns the longest wait Delay(n) can return: Base doubled
// n-1 times, at most Max.
func (b Backoff) Ceiling(n int) time.Duration {
	base, ceiling := b.Base, b.Max
	if base <= 0 {
		base = time.Second
	}
	if ceiling <= 0 {
		ceiling = time.Hour
	}
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// After returns the wait a Retry-After header value asks for (RFC 9110
// §10.2.3: delay-seconds, or an HTTP-date after now), at most MaxAfter;
// zero when v is empty, malformed, negative or in the past.
func After(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		if v[0] == '-' {
			return 0
		}
		return MaxAfter
	case err == nil:
		if n <= 0 {
			return 0
		}
		if n >= int64(MaxAfter/time.Second) {
			return MaxAfter
		}
		d = time.Duration(n) * time.Second
	default:
		if t, err := http.ParseTime(v); err == nil {
			d = t.Sub(now)
		}
	}
	return min(max(d, 0), MaxAfter)
}

// AfterHeader is After of h's Retry-After.
func AfterHeader(h http.Header, now time.Time) time.Duration {
	return After(h.Get("Retry-After"), now)
}
