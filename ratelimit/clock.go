package ratelimit

import "time"

// Clock is the time source of a MemoryLimiter and a MemorySemaphore.
// Tests use a fake one (ratelimittest.FakeClock) to control time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// systemClock is the Clock of the time package.
type systemClock struct{}

// Now returns time.Now().
func (systemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
