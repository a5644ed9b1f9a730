// Package ratelimittest is the conformance suite every ratelimit.Limiter
// and ratelimit.Semaphore passes, and a fake clock to run it on.
//
// The package's own tests run it on the memory implementations (with a
// FakeClock, so that every count and duration is exact) and on the Redis
// ones (in real time, where each assertion allows exactly for the time
// that passed: counts stay within the GCRA bounds of the elapsed time,
// never within a guess of how fast the machine is). A Limiter of your own
// can run it the same way:
//
//	func TestMyLimiter(t *testing.T) {
//		ratelimittest.Run(t, func(t *testing.T) ratelimittest.Harness {
//			return ratelimittest.Harness{Limiter: newMine(t), Now: time.Now, Advance: time.Sleep}
//		})
//	}
//
// It is for tests only: it imports testing and testify.
package ratelimittest

import (
	"testing"
	"time"

	"github.com/ucsp/integration/ratelimit"
)

// Harness is one fresh limiter under test, with its clock.
type Harness struct {
	// Limiter is the limiter under test. Each subtest gets its own from
	// the newHarness function, so its keys start empty.
	Limiter ratelimit.Limiter
	// Now reads the limiter's clock (FakeClock.Now, or time.Now for a
	// limiter on real time such as Redis's).
	Now func() time.Time
	// Advance moves the limiter's clock forward by at least d
	// (FakeClock.Advance, or time.Sleep).
	Advance func(d time.Duration)
}

// Run runs the conformance suite, calling newHarness for a fresh limiter
// in every subtest. The subtests run in parallel.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Helper()
	for _, c := range limiterCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			c.run(t, h)
		})
	}
}

type limiterCase struct {
	name string
	run  func(t *testing.T, h Harness)
}

// since reads how much limiter time has passed since start.
func since(h Harness, start time.Time) time.Duration { return h.Now().Sub(start) }
