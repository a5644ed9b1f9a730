package health

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a [Registry]. The zero value is valid and means the
// documented defaults.
type Options struct {
	// Timeout is the time limit for checks whose [Check.Timeout] is zero.
	// Zero means [DefaultTimeout]. It must not be negative.
	Timeout time.Duration

	// CacheTTL is how long a completed report is reused by [Registry.Run]
	// and the handlers. Zero (the default) disables caching: every call
	// runs the checks, although concurrent calls still share one run. It
	// must not be negative.
	CacheTTL time.Duration

	// ExposeErrors makes [Registry.ReadinessHandler] include the error text
	// of failing checks. By default (false) readiness responses replace it
	// with a generic "check failed" or "check timed out" so that internals
	// (host names, SQL, credentials in DSNs) do not leak to whoever can
	// reach the probe port. [Registry.DetailedHandler] always shows errors.
	ExposeErrors bool

	// Logger receives a warning when a check starts failing, an info
	// record when it recovers, and an error record with the stack when a
	// check panics. Nil means [slog.Default].
	Logger *slog.Logger
}

// Registry holds the registered checks, runs them and serves their results
// over HTTP. Create one with [New]. All methods are safe for concurrent use,
// including [Registry.Register] while a run is in progress.
type Registry struct {
	timeout time.Duration
	ttl     time.Duration
	expose  bool
	logger  *slog.Logger

	mu      sync.Mutex
	entries []*entry // sorted by check name
	gen     uint64   // incremented by Register; a run started before it is not cached
	flight  *flight  // the run in progress, if any
	cache   *cached  // the last completed run, when CacheTTL > 0
	failing map[string]bool
}

// entry is a registered check plus whether a call of it is still running.
type entry struct {
	check Check
	busy  atomic.Bool
}

// New returns an empty Registry configured by opts, or an error naming the
// first invalid field.
func New(opts Options) (*Registry, error) {
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("health: Options.Timeout must not be negative, got %v", opts.Timeout)
	}
	if opts.CacheTTL < 0 {
		return nil, fmt.Errorf("health: Options.CacheTTL must not be negative, got %v", opts.CacheTTL)
	}
	r := &Registry{
		timeout: opts.Timeout,
		ttl:     opts.CacheTTL,
		expose:  opts.ExposeErrors,
		logger:  opts.Logger,
		failing: make(map[string]bool),
	}
	if r.timeout == 0 {
		r.timeout = DefaultTimeout
	}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	return r, nil
}

// Register adds c to the registry. It returns an error if c.Name is empty,
// c.Func is nil, c.Timeout is negative, or a check named c.Name is already
// registered (that error wraps [ErrDuplicateCheck]).
//
// Register may be called while checks are running; the new check takes part
// in the next run, and any cached report is discarded.
func (r *Registry) Register(c Check) error {
	switch {
	case strings.TrimSpace(c.Name) == "":
		return errors.New("health: Check.Name must not be empty or blank")
	case c.Func == nil:
		return fmt.Errorf("health: check %q: Check.Func must not be nil", c.Name)
	case c.Timeout < 0:
		return fmt.Errorf("health: check %q: Check.Timeout must not be negative, got %v", c.Name, c.Timeout)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i, found := slices.BinarySearchFunc(r.entries, c.Name, func(e *entry, name string) int {
		return strings.Compare(e.check.Name, name)
	})
	if found {
		return fmt.Errorf("%w: %q is already registered", ErrDuplicateCheck, c.Name)
	}
	r.entries = slices.Insert(r.entries, i, &entry{check: c})
	r.gen++
	r.cache = nil
	return nil
}
