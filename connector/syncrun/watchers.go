package syncrun

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/retry"
	"github.com/ucsp/integration/queue/lease"
	"github.com/ucsp/integration/store"
)

// WatchOptions configure Watchers. The zero value of every field but
// Leases and Providers means its documented default.
type WatchOptions struct {
	// Leases keeps the watchers' leases: a lease.RedisStore shared by the
	// deployment's processes, or a lease.MemoryStore when one process
	// runs them all. Required.
	Leases lease.Store
	// Providers are the providers whose connectors listen
	// (connector.Listener, such as IMAP IDLE): each active integration of
	// one of them has a watcher. Required: a watcher holds a lease and
	// builds a connector, which a provider that pushes through webhooks
	// does not need.
	Providers []string
	// Owner names this process among the deployment's, unique to it;
	// empty means the host name, the process id and a random suffix.
	Owner string
	// LeaseTTL is the lease by which a process holds a watcher: a
	// process that dies loses its watchers to the others within about
	// LeaseTTL + LeaseTTL/3. 0 means 15 s; at least a second.
	LeaseTTL time.Duration
	// MinBackoff and MaxBackoff bound the wait before a listener that
	// gave up on a failure is started again: MinBackoff after the first
	// failure, doubled after each one up to MaxBackoff, with jitter.
	// 0 means 1 s and 1 min.
	MinBackoff, MaxBackoff time.Duration
}

// Watchers runs the real-time listeners of a deployment's mailboxes:
// one connector.Listener per active integration of the listening
// providers, exactly one across the deployment's processes, each
// process taking its fair share through leases (lease.Balancer). A
// listener's news triggers the integration's sync (coalesced); a
// listener that gives up is started again with backoff; one refused for
// its credentials marks the integration needs_reauth, and stops until
// the integration is active again. When a process stops or dies its
// watchers move to the others.
//
// Run it in every process that should hold watchers.
type Watchers struct {
	r         *Runner
	providers []string
	backoff   retry.Backoff
	balancer  *lease.Balancer
}

// Watchers returns the real-time watchers of the integrations of
// opts.Providers, which trigger r's syncs. It checks opts and reports
// every problem at once, each naming its field.
func (r *Runner) Watchers(opts WatchOptions) (*Watchers, error) {
	var errs []error
	if opts.Leases == nil {
		errs = append(errs, fmt.Errorf("%w: WatchOptions.Leases is required", ErrInvalid))
	}
	if len(opts.Providers) == 0 || slices.Contains(opts.Providers, "") {
		errs = append(errs, fmt.Errorf("%w: WatchOptions.Providers must name the providers that listen", ErrInvalid))
	}
	if opts.LeaseTTL != 0 && opts.LeaseTTL < time.Second {
		errs = append(errs, fmt.Errorf("%w: WatchOptions.LeaseTTL %s is shorter than 1s", ErrInvalid, opts.LeaseTTL))
	}
	if opts.MinBackoff < 0 || opts.MaxBackoff < 0 || (opts.MaxBackoff > 0 && opts.MaxBackoff < opts.MinBackoff) {
		errs = append(errs, fmt.Errorf("%w: WatchOptions.MinBackoff %s and MaxBackoff %s must not be negative, MaxBackoff not below MinBackoff", ErrInvalid, opts.MinBackoff, opts.MaxBackoff))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	w := &Watchers{r: r, providers: slices.Clone(opts.Providers), backoff: retry.Backoff{Base: opts.MinBackoff, Max: opts.MaxBackoff}}
	if w.backoff.Base == 0 {
		w.backoff.Base = time.Second
	}
	if w.backoff.Max == 0 {
		w.backoff.Max = max(time.Minute, w.backoff.Base)
	}
	if opts.LeaseTTL == 0 {
		opts.LeaseTTL = 15 * time.Second
	}
	if opts.Owner == "" {
		opts.Owner = processName()
	}
	w.balancer = &lease.Balancer{
		Store: opts.Leases, Owner: opts.Owner, TTL: opts.LeaseTTL,
		List: w.list, Work: w.watch, Logger: r.logger,
	}
	return w, nil
}

// Run balances and runs this process's watchers until ctx is done, then
// stops them, waits for them and releases their leases; it returns
// ctx's error.
func (w *Watchers) Run(ctx context.Context) error { return w.balancer.Run(ctx) }

// Held returns the ids of the integrations this process watches now,
// sorted.
func (w *Watchers) Held() []string { return w.balancer.Held() }

// processName names this process among a deployment's: host, pid and a
// random suffix (a restarted container may reuse both).
func processName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b)
}

// list returns the integrations that should have a watcher: the active
// ones of the providers that listen.
func (w *Watchers) list(ctx context.Context) ([]string, error) {
	var ids []string
	for _, p := range w.providers {
		err := w.r.each(ctx, store.ListIntegrationsOptions{Provider: p, Status: store.StatusActive}, func(in *store.Integration) error {
			ids = append(ids, in.ID)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// errNotListening: the integration is not active, or its connector has
// no listener.
var errNotListening = errors.New("syncrun: the integration does not listen")

// watch runs integration id's listener until ctx is done (its lease
// lost or released), starting it again with backoff when it gives up; an
// auth failure marks the integration needs_reauth and ends the watch
// (the integration is no longer listed).
func (w *Watchers) watch(ctx context.Context, id string) {
	for failures := 1; ctx.Err() == nil; failures++ {
		err := w.listen(ctx, id)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, store.ErrNotFound), errors.Is(err, errNotListening):
			return
		case errors.Is(err, connector.ErrAuth):
			if in, ferr := w.r.store.FindIntegration(ctx, id); ferr == nil {
				w.r.MarkIntegration(ctx, in, store.StatusNeedsReauth, err)
			}
			return
		}
		wait := w.backoff.Delay(failures)
		w.r.logger.WarnContext(ctx, "syncrun: watcher stopped; restarting", slog.String("integration_id", id),
			slog.Duration("backoff", wait), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// listen builds id's connector and listens until it fails or ctx is
// done; each notification triggers the integration's sync.
func (w *Watchers) listen(ctx context.Context, id string) (err error) {
	in, err := w.r.store.FindIntegration(ctx, id)
	if err != nil {
		return err
	}
	if in.Status != store.StatusActive || !slices.Contains(w.providers, in.Provider) {
		return errNotListening
	}
	c, err := w.r.connect(ctx, in)
	if err != nil {
		return err
	}
	defer closeConnector(c)
	l, ok := c.(connector.Listener)
	if !ok {
		return errNotListening
	}
	if w.r.hooks.Listen != nil {
		var end func(error)
		ctx, end = w.r.hooks.Listen(ctx, in)
		if end != nil {
			defer func() { end(err) }()
		}
	}
	w.r.logger.DebugContext(ctx, "syncrun: watcher started", slog.String("integration_id", id), slog.String("provider", in.Provider))
	return l.Listen(ctx, func(connector.Notification) {
		if _, err := w.r.Trigger(ctx, in.TenantID, in.ID); err != nil && ctx.Err() == nil {
			w.r.logger.WarnContext(ctx, "syncrun: triggering a sync on a listener's news failed; the sweep will", slog.String("integration_id", id), slog.Any("error", err))
		}
	})
}
