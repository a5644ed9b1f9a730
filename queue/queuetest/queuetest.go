// Package queuetest is the conformance suite every queue.Broker passes:
// queue.NewMemory and queue.NewRedis run it from their tests, and so can
// any new broker, the way log/slog handlers run testing/slogtest.
//
// # Running it
//
// Call Run from a test with a function that returns a fresh, empty and
// isolated broker each time it is called (for Redis, one under a new key
// prefix), and that registers the broker's Close with t.Cleanup:
//
//	func TestMyBroker(t *testing.T) {
//		queuetest.Run(t, func(t *testing.T) queue.Broker {
//			b := NewMyBroker(newIsolatedConnection(t))
//			t.Cleanup(func() { b.Close() })
//			return b
//		})
//	}
//
// Run one check with -run, e.g. go test -run 'TestMyBroker/UniqueRunning'.
//
// # What it checks
//
// Each check drives the broker through the public API only (Enqueue,
// queue.NewWorker and Worker.Run, Stats, the dead-letter methods, Pause
// and Resume): jobs run and are acknowledged, payloads arrive intact,
// duplicate ids and unique keys are no-ops while pending and a unique key
// enqueued while its job runs gets exactly one follow-up run, delays,
// run-at times and RetryAt are honoured, failures retry and then
// dead-letter with their attempts and last error, dead jobs can be
// listed, inspected, requeued and deleted, panics and timeouts fail a
// run, Pause stops pickup, strict and weighted priorities order the
// queues, Stats counts, a graceful shutdown finishes or hands back
// running jobs, a lease that is no longer renewed passes the job to
// another worker without counting an attempt, long jobs keep their
// lease, an idle worker picks a job up at once, a periodic job runs once
// per period across workers, and middleware and Mux routing work.
//
// A worker killed by SIGKILL cannot be expressed through the public API
// in one process: the LeaseExpiry check uses a worker that abandons a
// handler which ignores its cancelled context, which leaves the job
// leased and unrenewed exactly as a crash does. Brokers shared between
// processes test a real kill in their own tests as well.
//
// # Time
//
// Checks run concurrently (without t.Parallel, so that -parallel does
// not serialise them on small machines), each with its own broker; the
// whole suite takes about five seconds, most of it the periodic check
// waiting for three period boundaries. Times are checked as lower bounds
// ("not before its run-at time", with 5 ms of slack for brokers that keep
// milliseconds); anything that must happen is waited for up to 15
// seconds, so a slow or loaded machine makes the suite slower, never
// failing.
package queuetest

import (
	"sync"
	"testing"

	"github.com/ucsp/integration/queue"
)

// check is one conformance check, run on a fresh broker.
type check struct {
	name string
	fn   func(t *testing.T, b queue.Broker)
}

// checks lists the suite, one group of related checks per file.
var checks = []check{
	// basic.go
	{"RunAndAck", testRunAndAck},
	{"PayloadIntact", testPayloadIntact},
	{"JSON", testJSON},
	{"InvalidOptions", testInvalidOptions},
	{"Concurrency", testConcurrency},
	{"NoLoss", testNoLoss},
	// duplicates.go
	{"IDDuplicate", testIDDuplicate},
	{"UniquePending", testUniquePending},
	{"UniqueRunning", testUniqueRunning},
	{"DuplicateWhileRetrying", testDuplicateWhileRetrying},
	// schedule.go
	{"Delay", testDelay},
	{"RunAt", testRunAt},
	{"RetryAt", testRetryAt},
	// failures.go
	{"MaxAttempts", testMaxAttempts},
	{"SkipRetry", testSkipRetry},
	{"Panic", testPanic},
	{"Timeout", testTimeout},
	// dead.go
	{"DeadOrder", testDeadOrder},
	{"RequeueDead", testRequeueDead},
	{"DeleteDead", testDeleteDead},
	// priority.go
	{"PauseResume", testPauseResume},
	{"StrictPriority", testStrictPriority},
	{"WeightedPriority", testWeightedPriority},
	// stats.go
	{"Stats", testStats},
	// shutdown.go
	{"GracefulFinish", testGracefulFinish},
	{"GracefulHandBack", testGracefulHandBack},
	{"LeaseExpiry", testLeaseExpiry},
	{"LeaseRenewal", testLeaseRenewal},
	{"IdlePickup", testIdlePickup},
	// periodic.go
	{"Periodic", testPeriodic},
	// handlers.go
	{"Middleware", testMiddleware},
	{"MuxRouting", testMuxRouting},
}

// Run runs the conformance suite, one subtest per check. newBroker is
// called once per check and must return an empty broker that no other
// check sees, and register its Close with t.Cleanup.
func Run(t *testing.T, newBroker func(t *testing.T) queue.Broker) {
	t.Helper()
	// Most checks wait for timers; run them all at once, whatever
	// -parallel is (t.Run may be called from several goroutines).
	var wg sync.WaitGroup
	for _, c := range checks {
		wg.Go(func() {
			t.Run(c.name, func(t *testing.T) {
				c.fn(t, newBroker(t))
			})
		})
	}
	wg.Wait()
}
