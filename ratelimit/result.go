package ratelimit

import "time"

// Result is the outcome of one decision.
type Result struct {
	// Allowed reports whether the request was admitted, and charged to
	// every limit of the decision. A denied request is charged to none.
	Allowed bool
	// Remaining is how many more unit-cost requests the deciding limit
	// would admit now. A request denied for its cost may leave a positive
	// Remaining (it asked for more than was left).
	Remaining int
	// RetryAfter is zero when Allowed; when denied, how long until the
	// same request could be admitted, if nothing else is admitted first.
	RetryAfter time.Duration
	// ResetAfter is how long until the deciding limit is full again
	// (Remaining back at its burst) if nothing more is admitted.
	ResetAfter time.Duration
	// Limit is the limit that decided: the one that denied (the last to
	// admit the request when several did), or when allowed the one
	// closest to denying (least Remaining).
	Limit Limit
	// Degraded reports that the decision was made without Redis: by the
	// local fallback of a fail-open RedisLimiter, or as a fail-closed
	// denial.
	Degraded bool
}
