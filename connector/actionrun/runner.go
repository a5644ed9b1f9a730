package actionrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// DefaultMaxMessages is the most messages one Do call takes when
// Options.MaxMessages is zero.
const DefaultMaxMessages = 100

// Store is what a Runner needs of a store: a subset of store.Store, so
// that store/memory, store/postgres or a deployment's own implementation
// (or a wrapper of one) can be passed as it is.
type Store interface {
	GetIntegration(ctx context.Context, tenantID, id string) (*store.Integration, error)
	GetMessage(ctx context.Context, tenantID, integrationID, id string) (*store.Message, error)
	store.MessageUpdater
}

var _ Store = store.Store(nil)

// FailurePolicy records what a connector's failure means for the
// integration: *syncrun.Runner's JobError is one (credentials refused
// mark the integration needs_reauth, with its event). A Runner calls it
// with syncrun.ScopeOperation and ignores what it returns.
type FailurePolicy interface {
	JobError(ctx context.Context, in *store.Integration, op string, err error, scope syncrun.Scope) error
}

var _ FailurePolicy = (*syncrun.Runner)(nil)

// Options configure a Runner. The zero value of every field but Connect
// means its documented default.
type Options struct {
	// Connect builds an integration's connector. Required. A connector
	// that holds connections is closed (io.Closer) after the call.
	Connect syncrun.ConnectFunc
	// Providers are the providers whose integrations have a mailbox to
	// act on: an integration of another provider (a custom source that
	// pushes its messages) is refused with an *UnsupportedError before
	// anything is built. Empty means every provider.
	Providers []string
	// Failures records a failed provider call on the integration (an
	// auth failure marks it needs_reauth). nil records nothing.
	Failures FailurePolicy
	// Publish is called with the events a call stored, once they are
	// committed, to hand them to delivery (an event outbox's Enqueue). It
	// must not block for long. nil: events are stored only.
	Publish func(ctx context.Context, events ...*store.Event)
	// MaxMessages is the most messages one Do call takes; 0 means
	// DefaultMaxMessages.
	MaxMessages int
	// Hooks are told about calls, for tracing and metrics; nil hooks are
	// skipped.
	Hooks Hooks
	// Logger receives the Runner's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Hooks let a deployment trace and measure a Runner without the Runner
// importing a tracing or metrics library. Each is called on the
// goroutine of the work it reports and must not block.
type Hooks struct {
	// Do is called when a Do call has loaded its integration. The
	// context it returns is the one the call continues in; end is called
	// once with the call's result (nil on failure) and error. A nil end
	// is not called.
	Do func(ctx context.Context, in *store.Integration, req *Request) (_ context.Context, end func(*Result, error))
}

// ErrInvalid is returned by New for options it cannot run with; the
// error's text names the field.
var ErrInvalid = errors.New("actionrun: invalid options")

// Runner lists integrations' folders and acts on their messages at the
// provider, then makes the store follow. It is safe for concurrent use.
type Runner struct {
	store     Store
	connect   syncrun.ConnectFunc
	providers []string
	failures  FailurePolicy
	publish   func(ctx context.Context, events ...*store.Event)
	max       int
	hooks     Hooks
	logger    *slog.Logger
}

// New returns a Runner on st. It checks opts and reports every problem
// at once, each naming its field.
func New(st Store, opts Options) (*Runner, error) {
	var errs []error
	if st == nil {
		errs = append(errs, fmt.Errorf("%w: New: nil store", ErrInvalid))
	}
	if opts.Connect == nil {
		errs = append(errs, fmt.Errorf("%w: Options.Connect is required", ErrInvalid))
	}
	if slices.Contains(opts.Providers, "") {
		errs = append(errs, fmt.Errorf("%w: Options.Providers names an empty provider", ErrInvalid))
	}
	if opts.MaxMessages < 0 {
		errs = append(errs, fmt.Errorf("%w: Options.MaxMessages %d must not be negative", ErrInvalid, opts.MaxMessages))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r := &Runner{
		store: st, connect: opts.Connect, providers: slices.Clone(opts.Providers), failures: opts.Failures,
		publish: opts.Publish, max: opts.MaxMessages, hooks: opts.Hooks, logger: opts.Logger,
	}
	if r.max == 0 {
		r.max = DefaultMaxMessages
	}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	return r, nil
}

// MaxMessages is the most messages one Do call takes.
func (r *Runner) MaxMessages() int { return r.max }

// emit hands committed events to Options.Publish.
func (r *Runner) emit(ctx context.Context, events []*store.Event) {
	if r.publish != nil && len(events) > 0 {
		r.publish(ctx, events...)
	}
}

// served reports whether integrations of provider have a mailbox.
func (r *Runner) served(provider string) bool {
	return len(r.providers) == 0 || slices.Contains(r.providers, provider)
}
