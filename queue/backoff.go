package queue

import (
	"time"

	"github.com/ucsp/integration/internal/retry"
)

// DefaultBackoff is the wait before attempt+1 after a failed attempt:
// exponential from 1 second, doubling, capped at one hour, with jitter
// (a random value between half and all of it), so that jobs failing
// together do not retry together. It is the module's one backoff
// policy, retry.Backoff, with its defaults.
func DefaultBackoff(attempt int) time.Duration {
	return retry.Backoff{Base: time.Second, Max: time.Hour}.Delay(attempt)
}

// fetchBackoff is the wait after n failed fetches in a row: 100ms
// doubling to 5s, with jitter.
func fetchBackoff(n int) time.Duration {
	return retry.Backoff{Base: 100 * time.Millisecond, Max: 5 * time.Second}.Delay(n)
}
