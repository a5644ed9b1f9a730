package server

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue/lease"
	"github.com/ucsp/integration/store"
)

// Real time for IMAP: each active IMAP integration has one IDLE watcher
// (connector.Listener), run by exactly one worker process, which holds
// the integration's lease (queue/lease) while the watcher runs. Every
// notification enqueues the integration's sync, coalesced by the queue:
// a burst of news yields one pending sync, and news during a running
// sync exactly one more.

// Watcher restart backoff after a listener gave up on a temporary
// failure (Listen retries transient ones itself).
const (
	watchBackoffFirst = time.Second
	watchBackoffLimit = time.Minute
)

// newWatchBalancer returns the balancer of this process's watchers:
// leases in Redis in production mode, in memory in embedded mode.
func (a *App) newWatchBalancer() *lease.Balancer {
	var ls lease.Store = lease.NewMemoryStore()
	if a.rdb != nil {
		ls = lease.NewRedisStore(a.rdb, a.cfg.RedisPrefix+":watch")
	}
	return &lease.Balancer{
		Store:  ls,
		Owner:  processName(),
		TTL:    a.cfg.WatchLeaseTTL,
		List:   a.watchedIntegrations,
		Work:   a.watch,
		Logger: a.logger,
	}
}

// processName names this process among a deployment's: host, pid and a
// random suffix (a restarted container may reuse both).
func processName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b)
}

// watchedIntegrations lists the integrations that should have a
// watcher: the active ones of providers whose connector listens.
func (a *App) watchedIntegrations(ctx context.Context) ([]string, error) {
	var ids []string
	err := a.eachIntegration(ctx, store.ListIntegrationsOptions{Provider: providerIMAP, Status: store.StatusActive}, func(in *store.Integration) error {
		ids = append(ids, in.ID)
		return nil
	})
	return ids, err
}

// watch runs integration id's listener until ctx is done (its lease
// lost or released), restarting it with backoff when it gives up on a
// temporary failure; an auth failure marks the integration needs_reauth
// and ends the watch (the integration is no longer listed).
func (a *App) watch(ctx context.Context, id string) {
	backoff := watchBackoffFirst
	for ctx.Err() == nil {
		err := a.listenOnce(ctx, id)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, store.ErrNotFound), errors.Is(err, errNotListening):
			return
		case errors.Is(err, connector.ErrAuth):
			if in, ferr := a.store.FindIntegration(ctx, id); ferr == nil {
				a.markIntegration(ctx, in, store.StatusNeedsReauth, err)
			}
			return
		}
		a.logger.WarnContext(ctx, "imap watcher stopped; restarting", slog.String("integration_id", id),
			slog.Duration("backoff", backoff), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff/2 + rand.N(backoff/2+1)):
		}
		backoff = min(2*backoff, watchBackoffLimit)
	}
}

// errNotListening: the integration's connector has no listener.
var errNotListening = errors.New("the connector does not listen")

// listenOnce builds id's connector and listens until it fails or ctx is
// done; each notification enqueues the integration's sync.
func (a *App) listenOnce(ctx context.Context, id string) error {
	in, err := a.store.FindIntegration(ctx, id)
	if err != nil {
		return err
	}
	if in.Status != store.StatusActive {
		return errNotListening
	}
	c, err := a.buildConnector(ctx, in)
	if err != nil {
		return err
	}
	defer closeConnector(c)
	l, ok := c.(connector.Listener)
	if !ok {
		return errNotListening
	}
	a.logger.DebugContext(ctx, "imap watcher started", slog.String("integration_id", id))
	return l.Listen(ctx, func(connector.Notification) {
		if _, err := a.enqueueSync(ctx, in.TenantID, in.ID); err != nil && ctx.Err() == nil {
			a.logger.WarnContext(ctx, "enqueueing a sync on IMAP news failed; the sweep will", slog.String("integration_id", id), slog.Any("error", err))
		}
	})
}
