package ratelimit

import "context"

// Limiter decides whether requests on a key are within their limits. The
// RedisLimiter (shared by every replica) and the MemoryLimiter (one
// process) implement it with the same semantics; the ratelimittest
// package holds the conformance suite both pass.
//
// Every method takes the limits that apply to the request: one decision
// checks all of them and charges all of them, or none when one denies.
// The key names what is limited (a tenant, an IP address, a mailbox); the
// limits' names tell its limits apart, so a key can be limited per second,
// per minute and per day at once.
type Limiter interface {
	// Allow is AllowN with a cost of 1.
	Allow(ctx context.Context, key string, limits ...Limit) (Result, error)
	// AllowN decides a request of cost n (n >= 0; 0 only reports the
	// state, charging nothing). An error means there was no decision:
	// invalid limits, a cost above a limit's burst (ErrCostExceedsBurst),
	// a done context, or a fail-closed limiter without Redis
	// (ErrUnavailable, with a denying Result).
	AllowN(ctx context.Context, key string, n int, limits ...Limit) (Result, error)
	// Wait blocks until a request of cost n is admitted, and returns nil
	// then. It returns a *LimitedError at once when the request cannot be
	// admitted before ctx's deadline, and ctx's error when ctx is done
	// first.
	Wait(ctx context.Context, key string, n int, limits ...Limit) error
	// Reset forgets what the key has spent on the given limits.
	Reset(ctx context.Context, key string, limits ...Limit) error
}
