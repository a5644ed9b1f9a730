package syncrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// Store is what a Runner needs of a store: a subset of store.Store, so
// that store/memory, store/postgres or a deployment's own implementation
// (or a wrapper of one, for tracing) can be passed as it is.
type Store interface {
	GetIntegration(ctx context.Context, tenantID, id string) (*store.Integration, error)
	FindIntegration(ctx context.Context, id string) (*store.Integration, error)
	ScanIntegrations(ctx context.Context, opts store.ListIntegrationsOptions) (*store.Page[*store.Integration], error)
	UpdateIntegrationWithEvents(ctx context.Context, tenantID, id string, fn func(*store.Integration) ([]*store.Event, error)) (*store.Integration, error)
	SyncState(ctx context.Context, tenantID, integrationID string) (store.SyncState, error)
	CommitSync(ctx context.Context, c *store.SyncCommit) (*store.SyncResult, error)
	InsertEvents(ctx context.Context, events ...*store.Event) error
}

var _ Store = store.Store(nil)

// ConnectFunc builds the connector of an integration, with its
// credentials: RegistryConnect's, or a deployment's own (the integration
// service checks the integration's servers against its host policy
// first). A connector that holds connections is closed (io.Closer) when
// the Runner is done with it.
type ConnectFunc func(ctx context.Context, in *store.Integration) (connector.Connector, error)

// DefaultMaxAttempts is the attempts of a sync job when
// Options.MaxAttempts is zero.
const DefaultMaxAttempts = 10

// Options configure a Runner. The zero value of every field but Connect
// means its documented default.
type Options struct {
	// Connect builds an integration's connector. Required.
	Connect ConnectFunc
	// Providers are the providers whose integrations are synced: a sync
	// of another provider's integration (a custom source that pushes its
	// messages, say) does nothing, and the sweep skips them. Empty means
	// every provider.
	Providers []string
	// Events decides what a sync announces; nil means DefaultEvents.
	Events EventPolicy
	// Publish is called with events once they are committed (a batch's
	// while the next batch commits, the others before the call that
	// stored them returns), to hand them to delivery: an event outbox
	// enqueues them. It must not block for long, and a failure is its own
	// to log; the events are stored already, so that a sweep of the
	// outbox delivers what a lost Publish missed. nil: events are stored
	// only.
	Publish func(ctx context.Context, events ...*store.Event)
	// MaxAttempts is the attempts of a sync job; 0 means
	// DefaultMaxAttempts.
	MaxAttempts int
	// Hooks are told about syncs, batches and listeners, for tracing and
	// metrics; nil hooks are skipped.
	Hooks Hooks
	// Logger receives the Runner's logs; nil means slog.Default().
	Logger *slog.Logger
}

// ErrInvalid is returned by New and Runner.Watchers for options they
// cannot run with; the error's text names the field.
var ErrInvalid = errors.New("syncrun: invalid options")

// Runner runs connectors' syncs into a store: the sync job, its
// coalesced trigger, the catch-up sweep, the error policy and, with
// Watchers, the real-time listeners. It is safe for concurrent use.
type Runner struct {
	store       Store
	broker      queue.Broker
	connect     ConnectFunc
	providers   []string
	events      EventPolicy
	publish     func(ctx context.Context, events ...*store.Event)
	maxAttempts int
	hooks       Hooks
	logger      *slog.Logger
}

// New returns a Runner that syncs into st and enqueues its jobs on
// broker. It checks opts and reports every problem at once, each
// naming its field.
func New(st Store, broker queue.Broker, opts Options) (*Runner, error) {
	var errs []error
	if st == nil {
		errs = append(errs, fmt.Errorf("%w: New: nil store", ErrInvalid))
	}
	if broker == nil {
		errs = append(errs, fmt.Errorf("%w: New: nil broker", ErrInvalid))
	}
	if opts.Connect == nil {
		errs = append(errs, fmt.Errorf("%w: Options.Connect is required", ErrInvalid))
	}
	if slices.Contains(opts.Providers, "") {
		errs = append(errs, fmt.Errorf("%w: Options.Providers names an empty provider", ErrInvalid))
	}
	if opts.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("%w: Options.MaxAttempts %d must not be negative", ErrInvalid, opts.MaxAttempts))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r := &Runner{
		store: st, broker: broker, connect: opts.Connect, providers: slices.Clone(opts.Providers),
		events: opts.Events, publish: opts.Publish, maxAttempts: opts.MaxAttempts, hooks: opts.Hooks, logger: opts.Logger,
	}
	if r.events == nil {
		r.events = DefaultEvents{}
	}
	if r.maxAttempts == 0 {
		r.maxAttempts = DefaultMaxAttempts
	}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	return r, nil
}

// Register adds the Runner's job handlers to m: JobSync and JobSweep.
func (r *Runner) Register(m *queue.Mux) {
	m.HandleFunc(JobSync, r.HandleSync)
	m.HandleFunc(JobSweep, r.HandleSweep)
}

// synced reports whether integrations of provider are synced.
func (r *Runner) synced(provider string) bool {
	return len(r.providers) == 0 || slices.Contains(r.providers, provider)
}

// emit hands committed events to Options.Publish.
func (r *Runner) emit(ctx context.Context, events []*store.Event) {
	if r.publish != nil && len(events) > 0 {
		r.publish(ctx, events...)
	}
}
