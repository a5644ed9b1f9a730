package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/ucsp/integration/internal/retry"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// Store is what an Outbox needs of a store: the delivery half of
// store.EventStore, which every store.Store implements. Events are
// written by the caller, in its own transactions.
type Store interface {
	// GetEvent returns one of the tenant's events, or store.ErrNotFound.
	GetEvent(ctx context.Context, tenantID, id string) (*store.Event, error)
	// MarkEventDelivered records a delivery.
	MarkEventDelivered(ctx context.Context, id string, at time.Time) error
	// MarkEventFailed records a failed attempt: due again at next, dead
	// when next is zero.
	MarkEventFailed(ctx context.Context, id string, next time.Time, reason string) error
	// ClaimEvents returns pending events due at now, hidden from other
	// claimers for lease.
	ClaimEvents(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*store.Event, error)
	// RedeliverEvent makes one of the tenant's events pending and due
	// now again.
	RedeliverEvent(ctx context.Context, tenantID, id string) (*store.Event, error)
}

// Outbox delivers the events a store keeps, through a queue: Enqueue
// after the commit that stored them, Register its job handlers on the
// workers' Mux, and schedule its Periodic sweep. It is safe for
// concurrent use; it starts no goroutine of its own beyond those of an
// Enqueue call.
type Outbox struct {
	store   Store
	broker  queue.Broker
	opts    Options
	client  *http.Client
	log     *slog.Logger
	backoff func(attempt int) time.Duration
	// jobOpts are the options of every delivery job but its id.
	jobOpts []queue.Option
}

// New returns an Outbox delivering st's events through broker's jobs. It
// checks opts and returns an error wrapping ErrInvalid that names the
// first invalid field; it does no I/O.
func New(st Store, broker queue.Broker, opts Options) (*Outbox, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: New: nil store", ErrInvalid)
	}
	if broker == nil {
		return nil, fmt.Errorf("%w: New: nil broker", ErrInvalid)
	}
	if err := opts.resolve(); err != nil {
		return nil, err
	}
	client := &http.Client{}
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		client = &c
	}
	// A redirect is an answer, not a delivery: never follow it.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	o := &Outbox{store: st, broker: broker, opts: opts, client: client, log: opts.Logger, backoff: opts.Backoff}
	if o.backoff == nil {
		o.backoff = retry.Backoff{}.Delay
	}
	o.jobOpts = []queue.Option{queue.MaxAttempts(opts.MaxAttempts), queue.Timeout(2 * opts.AttemptTimeout)}
	if opts.Queue != "" {
		o.jobOpts = append(o.jobOpts, queue.OnQueue(opts.Queue))
	}
	return o, nil
}

// Delivers reports whether o has a URL to deliver to.
func (o *Outbox) Delivers() bool { return o.opts.URL != "" }

// Register registers o's job handlers (delivery and sweep) on mux.
func (o *Outbox) Register(mux *queue.Mux) {
	mux.HandleFunc(o.opts.DeliverJobType, o.deliver)
	mux.HandleFunc(o.opts.SweepJobType, o.sweepJob)
}

// Periodic returns the schedule of o's sweep, for a worker's
// WorkerConfig.Periodic: one sweep job per SweepInterval across every
// worker, with a single attempt (the next period's sweep is the retry).
func (o *Outbox) Periodic() queue.Periodic {
	opts := []queue.Option{queue.MaxAttempts(1)}
	if o.opts.Queue != "" {
		opts = append(opts, queue.OnQueue(o.opts.Queue))
	}
	return queue.Periodic{Name: o.opts.SweepJobType, Every: o.opts.SweepInterval, Type: o.opts.SweepJobType, Options: opts}
}
