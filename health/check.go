package health

import (
	"context"
	"time"
)

// DefaultTimeout is the time limit for a check whose [Check.Timeout] is zero,
// unless [Options.Timeout] sets another default.
const DefaultTimeout = 2 * time.Second

// Check describes one dependency probe: a database ping, a queue round trip,
// a disk-space test.
//
// A Check is a plain value; register it with [Registry.Register].
type Check struct {
	// Name identifies the check in reports. It must be non-empty and unique
	// within a Registry. Reports order checks by Name.
	Name string

	// Func performs the check and returns nil when the dependency is
	// healthy. It must not be nil. Func is called with a context that is
	// cancelled after Timeout; a Func that ignores it still cannot delay a
	// run past Timeout (see the package documentation).
	Func func(ctx context.Context) error

	// Timeout bounds one call of Func. Zero means the Registry's default
	// ([Options.Timeout], itself [DefaultTimeout] when zero). It must not be
	// negative.
	Timeout time.Duration

	// Critical marks a check whose failure makes the service unfit for
	// traffic: a failing critical check makes the overall status
	// [StatusFail], a failing non-critical check only [StatusWarn].
	Critical bool
}
