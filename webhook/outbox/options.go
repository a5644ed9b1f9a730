package outbox

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ucsp/integration/webhook"
)

// The job types an Outbox enqueues and handles, unless Options name
// others.
const (
	// JobDeliver delivers one event: one attempt per run, retried by the
	// queue.
	JobDeliver = "deliver-event"
	// JobSweep enqueues the delivery of pending events whose enqueue was
	// lost; Periodic schedules it.
	JobSweep = "sweep-events"
)

// The defaults of Options' zero values.
const (
	// DefaultMaxAttempts is how many attempts an event gets before it is
	// dead: with the default backoff, about 8 minutes of retries.
	DefaultMaxAttempts = 10
	// DefaultAttemptTimeout bounds one delivery attempt.
	DefaultAttemptTimeout = 15 * time.Second
	// DefaultSweepInterval is how often the sweep runs.
	DefaultSweepInterval = 30 * time.Second
	// DefaultSweepGrace is how long past due a pending event must be for
	// the sweep to take it.
	DefaultSweepGrace = 15 * time.Second
	// DefaultSweepBatch bounds the events the sweep claims per store
	// round trip.
	DefaultSweepBatch = 200
	// DefaultSweepMax bounds the events one sweep enqueues.
	DefaultSweepMax = 10_000
	// DefaultEnqueueConcurrency bounds the concurrent enqueues of one
	// Enqueue call.
	DefaultEnqueueConcurrency = 64
	// DefaultUserAgent is the User-Agent of deliveries.
	DefaultUserAgent = "ucsp-integration-outbox"
)

// ErrInvalid is wrapped by New's errors: an option is invalid.
var ErrInvalid = errors.New("outbox: invalid options")

// Options configure an Outbox. The zero value of each field means its
// documented default; the zero Options make an Outbox that delivers
// nothing (see URL).
type Options struct {
	// URL is where events are POSTed: an absolute http or https URL. It
	// may carry a token (in its query, say): it never appears in an
	// error, a log or an event's last error. Empty means no delivery:
	// Enqueue and the sweep do nothing, delivery jobs leave their events
	// pending and Redeliver only makes an event pending again, so that
	// events wait in the store until an outbox with a URL runs.
	URL string
	// Signer signs every delivery per Standard Webhooks, with the
	// event's id as webhook-id; required with URL.
	Signer *webhook.Signer

	// DeliverJobType and SweepJobType are the job types of deliveries
	// and of the sweep; default JobDeliver and JobSweep. Two outboxes on
	// one broker (two receivers of one store's events) need types of
	// their own.
	DeliverJobType, SweepJobType string
	// Queue is the queue jobs are enqueued on; default
	// queue.DefaultQueue.
	Queue string

	// MaxAttempts is how many attempts an event gets before it is dead;
	// default DefaultMaxAttempts.
	MaxAttempts int
	// AttemptTimeout bounds one attempt, from the connection to the end
	// of the answer; default DefaultAttemptTimeout. A delivery job runs
	// for at most twice as long (recording the attempt included).
	AttemptTimeout time.Duration
	// Backoff returns the wait before the next attempt after the failed
	// attempt n (from 1), unless the receiver asked for one with
	// Retry-After; default exponential backoff from 1 s to 1 h with equal
	// jitter (half fixed, half random).
	Backoff func(attempt int) time.Duration

	// SweepInterval is how often the sweep runs (Periodic), at least a
	// second; default DefaultSweepInterval.
	SweepInterval time.Duration
	// SweepGrace is how long past due a pending event must be for the
	// sweep to enqueue it, so that it seldom races an event's own
	// enqueue; default DefaultSweepGrace. With SweepInterval it bounds
	// how late an event whose enqueue was lost goes out.
	SweepGrace time.Duration
	// SweepBatch is how many events the sweep claims per store round
	// trip (default DefaultSweepBatch); SweepMax how many one sweep
	// enqueues at most (default DefaultSweepMax).
	SweepBatch, SweepMax int
	// EnqueueConcurrency bounds the concurrent enqueues of one Enqueue
	// call; default DefaultEnqueueConcurrency.
	EnqueueConcurrency int

	// HTTPClient sends deliveries; default a client on
	// http.DefaultTransport. The Outbox uses a copy whose CheckRedirect
	// refuses every redirect: a redirect is an answer, never followed.
	// Give a client whose Transport traces requests to propagate a trace
	// context.
	HTTPClient *http.Client
	// UserAgent is the User-Agent of deliveries; default
	// DefaultUserAgent.
	UserAgent string
	// Hooks are called around each attempt, for metrics and tracing.
	Hooks Hooks
	// Logger receives the outbox's logs; default slog.Default(). A failed
	// attempt is logged at debug level with what the receiver answered.
	Logger *slog.Logger
}

// resolve checks o and fills in its defaults; the error names the first
// invalid field.
func (o *Options) resolve() error {
	if o.URL != "" {
		u, err := url.Parse(o.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// Never the URL itself, nor url.Parse's error (it quotes it).
			return fmt.Errorf("%w: Options.URL: not an absolute http or https URL", ErrInvalid)
		}
		if o.Signer == nil {
			return fmt.Errorf("%w: Options.Signer: required with a URL", ErrInvalid)
		}
	}
	if err := jobType("DeliverJobType", &o.DeliverJobType, JobDeliver); err != nil {
		return err
	}
	if err := jobType("SweepJobType", &o.SweepJobType, JobSweep); err != nil {
		return err
	}
	if o.DeliverJobType == o.SweepJobType {
		return fmt.Errorf("%w: Options.SweepJobType %q: the same as DeliverJobType", ErrInvalid, o.SweepJobType)
	}
	if o.Queue != "" {
		if err := validName("Queue", o.Queue); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"MaxAttempts", &o.MaxAttempts, DefaultMaxAttempts},
		{"SweepBatch", &o.SweepBatch, DefaultSweepBatch},
		{"SweepMax", &o.SweepMax, DefaultSweepMax},
		{"EnqueueConcurrency", &o.EnqueueConcurrency, DefaultEnqueueConcurrency},
	} {
		if *f.v < 0 {
			return fmt.Errorf("%w: Options.%s %d: must not be negative", ErrInvalid, f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	for _, f := range []struct {
		name     string
		v        *time.Duration
		def, min time.Duration
	}{
		{"AttemptTimeout", &o.AttemptTimeout, DefaultAttemptTimeout, time.Millisecond},
		{"SweepInterval", &o.SweepInterval, DefaultSweepInterval, time.Second},
		{"SweepGrace", &o.SweepGrace, DefaultSweepGrace, 0},
	} {
		switch {
		case *f.v < 0:
			return fmt.Errorf("%w: Options.%s %s: must not be negative", ErrInvalid, f.name, *f.v)
		case *f.v > 0 && *f.v < f.min:
			return fmt.Errorf("%w: Options.%s %s: must be at least %s", ErrInvalid, f.name, *f.v, f.min)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

// jobType checks a job type option, defaulting it to def.
func jobType(field string, v *string, def string) error {
	if *v == "" {
		*v = def
	}
	return validName(field, *v)
}

// validName checks a job type or queue name as the queue does: 1 to 100
// bytes, no braces, colons or spaces.
func validName(field, s string) error {
	if len(s) > 100 || strings.ContainsAny(s, "{}: \t\r\n") {
		return fmt.Errorf("%w: Options.%s %q: use 1 to 100 characters without braces, colons or spaces", ErrInvalid, field, s)
	}
	return nil
}
