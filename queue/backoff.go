package queue

import (
	"math/rand/v2"
	"time"
)

// DefaultBackoff is the wait before attempt+1 after a failed attempt:
// exponential from 1 second, doubling, capped at one hour, with jitter
// (a random value between half and all of it), so that jobs failing
// together do not retry together.
func DefaultBackoff(attempt int) time.Duration {
	const base, ceiling = time.Second, time.Hour
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d/2 + rand.N(d/2+1)
}
