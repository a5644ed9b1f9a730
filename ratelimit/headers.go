package ratelimit

import (
	"net/http"
	"strconv"
	"time"
)

// The RateLimit header fields of draft-ietf-httpapi-ratelimit-headers-09
// (the syntax introduced in -08: Structured Fields lists of named policies
// and of named limits):
//
//	RateLimit-Policy: "1s";q=10;w=1, "1m";q=300;w=60
//	RateLimit: "1m";r=12;t=40
//
// RateLimit-Policy lists every limit that applies to the request, as its
// quota q over its window w in seconds. RateLimit reports the limit that
// decided (the one closest to denying, or the one that denied): r units
// remaining now, t seconds until it is full again. GCRA refills
// continuously, so t is the time to a full limit, and r may grow before t.
//
// They are keyed in an http.Header in textproto's canonical form.
const (
	keyPolicy    = "Ratelimit-Policy"
	keyRateLimit = "Ratelimit"
)

// SetHeaders sets the RateLimit-Policy header for limits and the
// RateLimit header for res on h. An HTTP handler that decides with a
// Limiter itself (rather than through Middleware) can use it. It costs
// three allocations whatever the limits: it runs on every request.
func SetHeaders(h http.Header, limits []Limit, res Result) {
	var buf [256]byte
	b := buf[:0]
	for i, l := range limits {
		if i > 0 {
			b = append(b, ", "...)
		}
		q, w := policyWindow(l)
		b = append(b, '"')
		b = append(b, l.EffectiveName()...)
		b = append(b, `";q=`...)
		b = strconv.AppendInt(b, q, 10)
		b = append(b, ";w="...)
		b = strconv.AppendInt(b, w, 10)
	}
	policy := string(b)
	b = append(buf[:0], '"')
	b = append(b, res.Limit.EffectiveName()...)
	b = append(b, `";r=`...)
	b = strconv.AppendInt(b, int64(res.Remaining), 10)
	b = append(b, ";t="...)
	b = strconv.AppendInt(b, ceilSeconds(res.ResetAfter), 10)
	vals := []string{policy, string(b)}
	h[keyPolicy] = vals[0:1:1]
	h[keyRateLimit] = vals[1:2:2]
}

// policyWindow expresses a limit as a quota per whole number of seconds:
// its Rate over its Period when that is whole seconds, else the quota of
// the enclosing whole-second window (at least 1s).
func policyWindow(l Limit) (quota, window int64) {
	window = max(ceilSeconds(l.Period), 1)
	if l.Period == time.Duration(window)*time.Second {
		return int64(l.Rate), window
	}
	return int64(l.Rate) * window * int64(time.Second) / int64(l.Period), window
}

// ceilSeconds rounds d up to whole seconds.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// setRetryAfter sets Retry-After to d rounded up to whole seconds, at
// least 1.
func setRetryAfter(h http.Header, d time.Duration) {
	h.Set("Retry-After", strconv.FormatInt(max(ceilSeconds(d), 1), 10))
}
