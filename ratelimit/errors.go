package ratelimit

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

var (
	// ErrUnavailable is wrapped by the errors of a fail-closed RedisLimiter
	// that could not reach Redis; its Result is then a denial.
	ErrUnavailable = errors.New("ratelimit: redis unavailable")
	// ErrCostExceedsBurst is wrapped by the error of a request whose cost
	// is more than the burst of one of its limits: it could never be
	// admitted.
	ErrCostExceedsBurst = errors.New("ratelimit: cost exceeds burst")
	// ErrLimited matches a *LimitedError with errors.Is.
	ErrLimited = errors.New("ratelimit: limited")
	// ErrClosed is returned by a RedisLimiter or RedisSemaphore used after
	// Close.
	ErrClosed = errors.New("ratelimit: closed")
)

// LimitedError is returned by Wait when the request cannot be admitted
// before the context's deadline. Wait returns it at once rather than
// sleeping until the deadline.
type LimitedError struct {
	// Key is the key of the decision.
	Key string
	// Limit is the limit that denied the request.
	Limit Limit
	// RetryAfter is how long until the request could be admitted.
	RetryAfter time.Duration
}

// Error describes the denial.
func (e *LimitedError) Error() string {
	return fmt.Sprintf("ratelimit: key %q: limit %q admits the request in %v, after the context's deadline",
		e.Key, e.Limit.EffectiveName(), e.RetryAfter)
}

// Is reports whether target is ErrLimited.
func (e *LimitedError) Is(target error) bool { return target == ErrLimited }

// contextError is an error of this package seen from a wider context
// ("tier \"free\": limit ..."): one "ratelimit: " prefix, and the cause
// still matched by errors.Is and errors.As.
type contextError struct {
	context string
	err     error
}

func inContext(context string, err error) error { return &contextError{context, err} }

func (e *contextError) Error() string {
	return "ratelimit: " + e.context + ": " + strings.TrimPrefix(e.err.Error(), "ratelimit: ")
}

func (e *contextError) Unwrap() error { return e.err }
