package queue

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// WorkerConfig configures a Worker. The zero value means the documented
// defaults.
type WorkerConfig struct {
	// Queues maps the queues to work on to their priority weights; nil
	// means {DefaultQueue: 1}. Weights must be positive.
	Queues map[string]int
	// StrictPriority always takes from the highest-weighted queue that
	// has jobs; otherwise queues are tried in a random order weighted by
	// their weights, so that a busy queue cannot starve the others.
	StrictPriority bool
	// Concurrency is how many handlers run at once; default 10.
	Concurrency int
	// Lease is how long a job stays with a worker that stops renewing it
	// (because it died) before another worker claims it; default 15s. A
	// running job's lease is renewed every Lease/3.
	Lease time.Duration
	// JobTimeout bounds a run of a job enqueued without Timeout; default
	// DefaultJobTimeout.
	JobTimeout time.Duration
	// ShutdownTimeout is how long Run waits, once its context is done,
	// for running jobs to finish; then their contexts are cancelled and
	// the jobs handed back unrun. Default 10s. A handler that ignores the
	// cancellation for another ShutdownTimeout (at most a second) is
	// abandoned: Run returns an error, and its job goes to another worker
	// when its lease runs out.
	ShutdownTimeout time.Duration
	// Backoff gives the wait before the next attempt after attempt failed;
	// default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// Periodic lists jobs to enqueue once per period.
	Periodic []Periodic
	// Name identifies the worker to the broker; default host-pid-random.
	Name string
	// Logger receives the worker's logs; default slog.Default().
	Logger *slog.Logger
}

// Worker runs jobs from a broker with a handler.
type Worker struct {
	broker  Broker
	handler Handler
	cfg     WorkerConfig
	log     *slog.Logger
	queues  []string
	weights []int

	mu       sync.Mutex
	inflight map[*delivery]struct{}
	running  bool

	// calls counts the handler calls not yet returned: fetchLoop adds one
	// per job it dispatches, process marks it done when the handler
	// returns (before the outcome is written to the broker).
	calls   sync.WaitGroup
	calling atomic.Int64
}

// NewWorker returns a worker that runs jobs from b with h. It checks cfg
// and reports the first invalid field.
func NewWorker(b Broker, h Handler, cfg WorkerConfig) (*Worker, error) {
	if b == nil {
		return nil, fmt.Errorf("%w: NewWorker: nil broker", ErrInvalid)
	}
	if h == nil {
		return nil, fmt.Errorf("%w: NewWorker: nil handler", ErrInvalid)
	}
	if cfg.Queues == nil {
		cfg.Queues = map[string]int{DefaultQueue: 1}
	}
	if len(cfg.Queues) == 0 {
		return nil, fmt.Errorf("%w: WorkerConfig.Queues is empty", ErrInvalid)
	}
	w := &Worker{broker: b, handler: h, inflight: make(map[*delivery]struct{})}
	for name, weight := range cfg.Queues {
		if err := validName("WorkerConfig.Queues", name); err != nil {
			return nil, err
		}
		if weight <= 0 {
			return nil, fmt.Errorf("%w: WorkerConfig.Queues[%q]: weight %d must be positive", ErrInvalid, name, weight)
		}
		w.queues = append(w.queues, name)
	}
	// Highest weight first; names break ties so the order is stable.
	slices.SortFunc(w.queues, func(a, b string) int {
		if d := cfg.Queues[b] - cfg.Queues[a]; d != 0 {
			return d
		}
		return compareStrings(a, b)
	})
	for _, q := range w.queues {
		w.weights = append(w.weights, cfg.Queues[q])
	}
	switch {
	case cfg.Concurrency < 0:
		return nil, fmt.Errorf("%w: WorkerConfig.Concurrency %d must not be negative", ErrInvalid, cfg.Concurrency)
	case cfg.Concurrency == 0:
		cfg.Concurrency = 10
	}
	if err := defaultDuration("Lease", &cfg.Lease, 15*time.Second, time.Second); err != nil {
		return nil, err
	}
	if err := defaultDuration("JobTimeout", &cfg.JobTimeout, DefaultJobTimeout, time.Millisecond); err != nil {
		return nil, err
	}
	if err := defaultDuration("ShutdownTimeout", &cfg.ShutdownTimeout, 10*time.Second, time.Millisecond); err != nil {
		return nil, err
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	seen := map[string]bool{}
	for _, p := range cfg.Periodic {
		if err := p.validate(); err != nil {
			return nil, err
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("%w: WorkerConfig.Periodic: name %q twice", ErrInvalid, p.Name)
		}
		seen[p.Name] = true
	}
	if cfg.Name == "" {
		cfg.Name = defaultName()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	w.cfg = cfg
	w.log = cfg.Logger.With("worker", cfg.Name)
	return w, nil
}

func defaultDuration(field string, d *time.Duration, def, least time.Duration) error {
	switch {
	case *d == 0:
		*d = def
	case *d < least:
		return fmt.Errorf("%w: WorkerConfig.%s %s is shorter than %s", ErrInvalid, field, *d, least)
	}
	return nil
}

func defaultName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Name returns the worker's name.
func (w *Worker) Name() string { return w.cfg.Name }

// Run works until ctx is done, then shuts down: it stops taking jobs,
// waits up to ShutdownTimeout for running ones, cancels and hands back
// those still running, and writes batched acknowledgements. It returns
// nil after a clean shutdown, and an error if it had to abandon handlers
// that ignored their cancelled context (see WorkerConfig.ShutdownTimeout)
// or could not write acknowledgements. A Worker runs once.
func (w *Worker) Run(ctx context.Context) error {
	w.mu.Lock()
	if w.running {
		w.mu.Unlock()
		return errors.New("queue: Worker.Run called twice")
	}
	w.running = true
	w.mu.Unlock()

	// handlerCtx outlives ctx by up to ShutdownTimeout.
	handlerCtx, cancelHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandlers()

	// Leases are renewed until the last handler returns.
	hbCtx, stopHeartbeat := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHeartbeat()
	var bg sync.WaitGroup
	bg.Go(func() { w.heartbeat(hbCtx) })
	for _, p := range w.cfg.Periodic {
		bg.Go(func() { w.schedule(ctx, p) })
	}

	jobs := make(chan *delivery, w.cfg.Concurrency)
	slots := make(chan struct{}, w.cfg.Concurrency)
	var handlers sync.WaitGroup
	for range w.cfg.Concurrency {
		handlers.Go(func() {
			for d := range jobs {
				w.process(handlerCtx, d)
				w.forget(d)
				<-slots
			}
		})
	}

	w.fetchLoop(ctx, jobs, slots)
	close(jobs)

	done := make(chan struct{})
	go func() { handlers.Wait(); close(done) }()
	err := w.drain(done, cancelHandlers)
	stopHeartbeat()
	bg.Wait()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if ferr := w.broker.flush(fctx); ferr != nil {
		err = errors.Join(err, fmt.Errorf("queue: flush on shutdown: %w", ferr))
	}
	return err
}

// drain waits for the running jobs (done closes when their handlers have
// returned and their outcomes are written): up to ShutdownTimeout, then
// it cancels their contexts and waits up to min(ShutdownTimeout,
// abandonGrace) more for the handlers to return. Handlers that still have
// not returned are abandoned: their jobs are neither handed back (the
// handler may still be working) nor renewed any longer, so they go to
// another worker when their lease runs out, as a crashed worker's would.
func (w *Worker) drain(done <-chan struct{}, cancelHandlers context.CancelFunc) error {
	select {
	case <-done:
		return nil
	case <-time.After(w.cfg.ShutdownTimeout):
	}
	w.log.Warn("queue: shutdown timeout: cancelling running jobs")
	cancelHandlers()
	grace := min(w.cfg.ShutdownTimeout, abandonGrace)
	returned := make(chan struct{})
	go func() { w.calls.Wait(); close(returned) }()
	select {
	case <-returned:
		// Every handler has returned; what is left is writing their
		// outcomes (hand-backs) to the broker, each bounded by its own
		// timeout.
		<-done
		return nil
	case <-time.After(grace):
	}
	n := w.calling.Load()
	w.log.Error("queue: handlers ignore cancellation; their jobs go to other workers when the lease runs out", "jobs", n)
	return fmt.Errorf("queue: shutdown: %d handlers still running %s after their contexts were cancelled; their jobs go to other workers when the lease runs out", n, grace)
}

// abandonGrace bounds how long Run waits for handlers to return once
// their contexts are cancelled.
const abandonGrace = time.Second

// fetchLoop takes jobs while there are free slots, until ctx is done.
func (w *Worker) fetchLoop(ctx context.Context, jobs chan<- *delivery, slots chan struct{}) {
	const maxBatch = 256
	var failures int
	for {
		// Wait for one free slot, then take every other free one.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		n := 1
		for n < maxBatch {
			select {
			case slots <- struct{}{}:
				n++
				continue
			default:
			}
			break
		}
		ds, err := w.broker.fetch(ctx, fetchRequest{
			queues:   w.order(),
			max:      n,
			block:    time.Second,
			lease:    w.cfg.Lease,
			consumer: w.cfg.Name,
		})
		for range n - len(ds) {
			<-slots
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if failures == 1 {
				w.log.Error("queue: fetch failed; retrying with backoff", "error", err)
			}
			if !sleep(ctx, fetchBackoff(failures)) {
				return
			}
			continue
		}
		if failures > 0 {
			w.log.Info("queue: fetching again", "after_failures", failures)
			failures = 0
		}
		for _, d := range ds {
			w.track(d)
			w.calls.Add(1)
			w.calling.Add(1)
			jobs <- d
		}
	}
}

// order returns the queues in the order this fetch tries them.
func (w *Worker) order() []string {
	if w.cfg.StrictPriority || len(w.queues) == 1 {
		return w.queues
	}
	// Weighted random order without replacement.
	qs := slices.Clone(w.queues)
	ws := slices.Clone(w.weights)
	total := 0
	for _, x := range ws {
		total += x
	}
	for i := range qs {
		r := rand.N(total)
		j := i
		for ; j < len(qs)-1; j++ {
			if r < ws[j] {
				break
			}
			r -= ws[j]
		}
		qs[i], qs[j] = qs[j], qs[i]
		ws[i], ws[j] = ws[j], ws[i]
		total -= ws[i]
	}
	return qs
}

func (w *Worker) track(d *delivery) {
	w.mu.Lock()
	w.inflight[d] = struct{}{}
	w.mu.Unlock()
}

func (w *Worker) forget(d *delivery) {
	w.mu.Lock()
	delete(w.inflight, d)
	w.mu.Unlock()
}

// heartbeat renews the leases of running jobs every Lease/3 until ctx is
// done.
func (w *Worker) heartbeat(ctx context.Context) {
	t := time.NewTicker(w.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.mu.Lock()
		ds := make([]*delivery, 0, len(w.inflight))
		for d := range w.inflight {
			ds = append(ds, d)
		}
		w.mu.Unlock()
		if len(ds) == 0 {
			continue
		}
		if err := w.broker.extend(ctx, w.cfg.Name, ds, w.cfg.Lease); err != nil && ctx.Err() == nil {
			w.log.Warn("queue: renewing leases failed", "jobs", len(ds), "error", err)
		}
	}
}
