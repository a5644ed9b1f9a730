package queue

import (
	"fmt"
	"strings"
	"time"
)

// Defaults for a job's options.
const (
	DefaultMaxAttempts = 25
	DefaultJobTimeout  = 30 * time.Minute
)

// Option sets an option of one Enqueue.
type Option func(*enqueueOptions)

// enqueueOptions is what Options set; brokers read it.
type enqueueOptions struct {
	id          string
	queue       string
	uniqueKey   string
	runAt       time.Time
	delay       time.Duration
	maxAttempts int
	timeout     time.Duration
	// onceKey, set by the periodic scheduler only, makes the enqueue a
	// Duplicate no-op if the same key was enqueued within onceTTL, whatever
	// became of that job.
	onceKey string
	onceTTL time.Duration
}

// once is the periodic scheduler's option: one enqueue per key per ttl
// across every replica.
func once(key string, ttl time.Duration) Option {
	return func(o *enqueueOptions) { o.onceKey, o.onceTTL = key, ttl }
}

// ID gives the job its id (otherwise a random one). Enqueueing an id that
// is pending, scheduled or active again is a Duplicate no-op.
func ID(id string) Option { return func(o *enqueueOptions) { o.id = id } }

// OnQueue puts the job on the named queue (default DefaultQueue).
func OnQueue(name string) Option { return func(o *enqueueOptions) { o.queue = name } }

// Unique gives the job a unique key: while a job with that key is pending
// or scheduled, enqueueing the key again is a Duplicate no-op; while one
// is running, the enqueue records exactly one follow-up run (FollowUp),
// which starts when the running one finishes. Use it to coalesce triggers
// ("sync integration 42").
func Unique(key string) Option { return func(o *enqueueOptions) { o.uniqueKey = key } }

// Delay runs the job no earlier than d from now.
func Delay(d time.Duration) Option { return func(o *enqueueOptions) { o.delay = d } }

// RunAt runs the job no earlier than t.
func RunAt(t time.Time) Option { return func(o *enqueueOptions) { o.runAt = t } }

// MaxAttempts sets how many failed runs the job gets before it is
// dead-lettered (default DefaultMaxAttempts). Runs cut short by a crashed
// worker do not count.
func MaxAttempts(n int) Option { return func(o *enqueueOptions) { o.maxAttempts = n } }

// Timeout bounds each run of the job (default WorkerConfig.JobTimeout):
// the handler's context is cancelled when it expires.
func Timeout(d time.Duration) Option { return func(o *enqueueOptions) { o.timeout = d } }

// resolveOptions applies opts and checks them. now is the broker's clock.
func resolveOptions(typ string, opts []Option, now time.Time) (enqueueOptions, error) {
	var o enqueueOptions
	for _, opt := range opts {
		opt(&o)
	}
	if err := validName("job type", typ); err != nil {
		return o, err
	}
	if o.queue == "" {
		o.queue = DefaultQueue
	}
	if err := validName("queue name", o.queue); err != nil {
		return o, err
	}
	if o.maxAttempts == 0 {
		o.maxAttempts = DefaultMaxAttempts
	}
	switch {
	case o.maxAttempts < 0:
		return o, fmt.Errorf("%w: MaxAttempts %d must be positive", ErrInvalid, o.maxAttempts)
	case o.delay < 0:
		return o, fmt.Errorf("%w: Delay %s must not be negative", ErrInvalid, o.delay)
	case o.timeout < 0:
		return o, fmt.Errorf("%w: Timeout %s must not be negative", ErrInvalid, o.timeout)
	case len(o.id) > 200 || len(o.uniqueKey) > 500:
		return o, fmt.Errorf("%w: ID (at most 200 bytes) or Unique key (500) too long", ErrInvalid)
	}
	if o.delay > 0 {
		if at := now.Add(o.delay); at.After(o.runAt) {
			o.runAt = at
		}
	}
	if !o.runAt.After(now) {
		o.runAt = time.Time{}
	}
	return o, nil
}

// validName checks a queue name or job type: 1 to 100 bytes, no braces,
// spaces or colons (they are part of Redis keys).
func validName(what, s string) error {
	if s == "" || len(s) > 100 || strings.ContainsAny(s, "{}: \t\r\n") {
		return fmt.Errorf("%w: %s %q: use 1 to 100 characters without braces, colons or spaces", ErrInvalid, what, s)
	}
	return nil
}
