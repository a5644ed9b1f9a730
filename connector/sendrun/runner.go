package sendrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// JobSend is the type of the send job (the queue's job type, kept as it
// was so that queued jobs survive an upgrade).
const JobSend = "send"

// DefaultMaxAttempts is the attempts of a send job when
// Options.MaxAttempts is zero.
const DefaultMaxAttempts = 10

// Store is what a Runner needs of a store: a subset of store.Store, so
// that store/memory, store/postgres or a deployment's own implementation
// (or a wrapper of one) can be passed as it is.
type Store interface {
	CreateOutbox(ctx context.Context, e *store.OutboxEntry) (*store.OutboxEntry, bool, error)
	GetOutbox(ctx context.Context, tenantID, id string) (*store.OutboxEntry, error)
	UpdateOutbox(ctx context.Context, tenantID, id string, fn func(*store.OutboxEntry) ([]*store.Event, error)) (*store.OutboxEntry, error)
	GetIntegration(ctx context.Context, tenantID, id string) (*store.Integration, error)
	GetMessage(ctx context.Context, tenantID, integrationID, id string) (*store.Message, error)
}

var _ Store = store.Store(nil)

// FailurePolicy turns a connector's failure into what the queue should
// do with the job: *syncrun.Runner's JobError is one (it also marks an
// integration whose credentials were refused needs_reauth, with its
// event).
type FailurePolicy interface {
	JobError(ctx context.Context, in *store.Integration, op string, err error, scope syncrun.Scope) error
}

var _ FailurePolicy = (*syncrun.Runner)(nil)

// Options configure a Runner. The zero value of every field but Connect
// means its documented default.
type Options struct {
	// Connect builds an integration's connector. Required. A connector
	// that holds connections is closed (io.Closer) after the send.
	Connect syncrun.ConnectFunc
	// Failures decides what a failed send does: retried, not retried,
	// the integration marked. nil means Classify: the connector's error
	// kinds decide, and nothing is recorded on the integration.
	Failures FailurePolicy
	// Publish is called with the message.sent and message.failed events
	// once they are committed, to hand them to delivery (an event
	// outbox's Enqueue). It must not block for long; the events are
	// stored already. nil: events are stored only.
	Publish func(ctx context.Context, events ...*store.Event)
	// MaxAttempts is the attempts of a send job; 0 means
	// DefaultMaxAttempts. The last failed attempt announces
	// message.failed.
	MaxAttempts int
	// LoopGuard decides whether an automated send (Send.Automated) may
	// go. nil means a guard of DefaultLoopWindow that remembers this
	// process's sends only; a deployment of several processes passes one
	// on a shared ratelimit.RedisLimiter.
	LoopGuard *LoopGuard
	// Logger receives the Runner's logs; nil means slog.Default().
	Logger *slog.Logger
}

// ErrInvalid is returned by New for options it cannot run with; the
// error's text names the field.
var ErrInvalid = errors.New("sendrun: invalid options")

// Runner sends messages through their integrations' connectors, once as
// far as it can be: Enqueue stores a message in the outbox and enqueues
// its send job; the job (HandleSend) sends it. It is safe for
// concurrent use.
type Runner struct {
	store       Store
	broker      queue.Broker
	connect     syncrun.ConnectFunc
	failures    FailurePolicy
	publish     func(ctx context.Context, events ...*store.Event)
	maxAttempts int
	guard       *LoopGuard
	logger      *slog.Logger
}

// New returns a Runner that keeps its outbox in st and enqueues its
// jobs on broker. It checks opts and reports every problem at once,
// each naming its field.
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
	if opts.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("%w: Options.MaxAttempts %d must not be negative", ErrInvalid, opts.MaxAttempts))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r := &Runner{
		store: st, broker: broker, connect: opts.Connect, failures: opts.Failures,
		publish: opts.Publish, maxAttempts: opts.MaxAttempts, guard: opts.LoopGuard, logger: opts.Logger,
	}
	if r.guard == nil {
		g, err := NewLoopGuard(LoopGuardOptions{})
		if err != nil {
			return nil, err
		}
		r.guard = g
	}
	if r.failures == nil {
		r.failures = Classify{}
	}
	if r.maxAttempts == 0 {
		r.maxAttempts = DefaultMaxAttempts
	}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	return r, nil
}

// Register adds the Runner's job handler to m: JobSend.
func (r *Runner) Register(m *queue.Mux) { m.HandleFunc(JobSend, r.HandleSend) }

// emit hands committed events to Options.Publish.
func (r *Runner) emit(ctx context.Context, events []*store.Event) {
	if r.publish != nil && len(events) > 0 {
		r.publish(ctx, events...)
	}
}
