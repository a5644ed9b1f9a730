package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/actionrun"
	"github.com/ucsp/integration/connector/oauthtokens"
	"github.com/ucsp/integration/connector/pushwatch"
	"github.com/ucsp/integration/connector/sendrun"
	"github.com/ucsp/integration/connector/signin"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/health"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/queue/lease"
	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/webhook/custom"
	"github.com/ucsp/integration/webhook/outbox"
)

// Options are what New takes besides the configuration.
type Options struct {
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
	// Registry builds connectors; nil means the providers this server
	// links in (see newRegistry).
	Registry *connector.Registry
	// GoogleHTTPClient fetches the keys that sign Pub/Sub push tokens
	// (POST /webhooks/gmail); nil means a client with a 10 s timeout.
	// Tests serve their own keys through it (webhook/pubsub/pubsubtest).
	GoogleHTTPClient *http.Client
}

// App is the server's wiring: the store, queue broker and rate limiter
// of its mode, the connector registry, the library packages' runners
// (syncs, connectivity checks, event outbox, quotas), the HTTP handlers
// of each concern, health checks, metrics and job handlers. Serve it
// with Run.
type App struct {
	cfg       *Config
	logger    *slog.Logger
	store     store.Store
	pool      *pgxpool.Pool // nil in embedded mode
	rdb       *redis.Client // nil in embedded mode
	broker    queue.Broker
	limiter   ratelimit.Limiter
	registry  *connector.Registry
	readiness *health.Registry
	metrics   *metrics
	tracer    *sdktrace.TracerProvider // nil without OTEL_EXPORTER_OTLP_ENDPOINT
	auth      *authenticator
	hosts     *hostGuard
	jobs      queue.Mux
	// http are the HTTP handlers, by concern (router.go).
	http handlers
	// quotas are the tenant quotas and size limits (api_quota.go).
	quotas *tenantQuotas
	// events delivers the store's events to EVENTS_WEBHOOK_URL; without
	// one it delivers nothing (events stay pending).
	events *outbox.Outbox
	// custom verifies and ingests the deliveries of custom sources
	// (webhook/custom).
	custom  *custom.Sources
	closers []func() error
	// clock is the time of jobs that act on expiries (watch renewal);
	// nil means time.Now. Tests move it on.
	clock func() time.Time

	rateLimit func(http.Handler) http.Handler
	// ingress holds the body deadlines and the limits of the
	// unauthenticated routes.
	ingress *ingress
	// gmailPushRoute serves POST /webhooks/gmail; graphRoute POST
	// /webhooks/microsoft and its lifecycle URL.
	gmailPushRoute, graphRoute http.Handler
	// signin is the mailboxes' OAuth sign-in; tokens keeps their
	// tokens (refreshes one at a time across processes, revocation).
	signin *signin.Flow
	tokens *oauthtokens.Manager
	// syncs runs the mailboxes' syncs, their triggers and the sweep
	// (connector/syncrun); watchers the IMAP IDLE watchers of a worker,
	// nil when IMAP_WATCH is off.
	syncs    *syncrun.Runner
	watchers *syncrun.Watchers
	// push keeps the Gmail watches and Graph subscriptions, and routes
	// their pushes (connector/pushwatch).
	push *pushwatch.Manager
	// checks tests the mailboxes' connections, periodically and for the
	// API (connector/syncrun).
	checks *syncrun.Checks
	// sends runs the outbox's send jobs (connector/sendrun).
	sends *sendrun.Runner
	// actions lists mailboxes' folders and acts on their messages at the
	// provider (connector/actionrun).
	actions *actionrun.Runner
}

// New opens what cfg's mode needs: in embedded mode memory
// implementations, in production mode PostgreSQL (migrated when
// DATABASE_AUTO_MIGRATE is on) and Redis. Close releases them.
func New(ctx context.Context, cfg *Config, opts Options) (a *App, err error) {
	a = &App{cfg: cfg, logger: opts.Logger, registry: opts.Registry}
	if a.logger == nil {
		a.logger = slog.Default()
	}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()
	if cfg.Embedded() {
		err = a.openEmbedded()
	} else {
		err = a.openProduction(ctx)
	}
	if err != nil {
		return nil, err
	}
	if err = a.newOAuth(); err != nil {
		return nil, err
	}
	if a.registry == nil {
		var sem ratelimit.Semaphore
		if sem, err = a.newSemaphore(); err != nil {
			return nil, err
		}
		if a.registry, err = newRegistry(cfg, registryDeps{limiter: a.limiter, sem: sem, now: a.now}); err != nil {
			return nil, err
		}
	}
	if a.events, err = newOutbox(cfg, a.store, a.broker, a.logger); err != nil {
		return nil, err
	}
	if a.quotas, err = newTenantQuotas(a.store, cfg.Quotas, a.logger); err != nil {
		return nil, err
	}
	a.custom, err = custom.New(a.store, custom.Options{
		Provider: providerCustom, Replay: a.replayStore(), MaxBodyBytes: cfg.MaxBodyBytes,
		Publish: a.events.Enqueue, Respond: a.customAnswer, Logger: a.logger,
	})
	if err != nil {
		return nil, err
	}
	a.auth = newAuthenticator(cfg)
	a.hosts = &hostGuard{allowPrivate: cfg.AllowPrivateHosts, allowPlaintext: cfg.AllowPlaintext}
	a.metrics = newMetrics(&stateCollector{stats: a.broker.Stats, counts: a.store.CountIntegrations, pool: a.pool})
	if cfg.OTLPEndpoint != "" {
		if a.tracer, err = newTracerProvider(ctx, cfg.OTLPEndpoint); err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
		}
		a.closers = append(a.closers, func() error {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return a.tracer.Shutdown(sctx)
		})
	}
	a.rateLimit, err = ratelimit.Middleware(a.limiter, ratelimit.MiddlewareOptions{
		Tiers:          cfg.RateLimitTiers,
		DefaultTier:    cfg.RateLimitDefaultTier,
		TrustedProxies: cfg.TrustedProxies,
		ProblemType:    probRateLimited,
		Logger:         a.logger,
		Key: func(r *http.Request) (string, string) {
			if c, ok := ClaimsFrom(r.Context()); ok {
				return c.TenantID, c.Tier
			}
			return "", ""
		},
	})
	if err != nil {
		return nil, fmt.Errorf("rate limits: %w", err)
	}
	if a.ingress, err = newIngress(cfg, a.limiter, a.logger); err != nil {
		return nil, fmt.Errorf("ingress limits: %w", err)
	}
	queuePing := func(ctx context.Context) error { _, err := a.broker.Stats(ctx); return err }
	if a.rdb != nil {
		queuePing = func(ctx context.Context) error { return a.rdb.Ping(ctx).Err() }
	}
	if a.readiness, err = newReadiness(a.logger, a.store.Ping, queuePing); err != nil {
		return nil, err
	}
	a.syncs, err = syncrun.New(a.store, a.broker, syncrun.Options{
		Connect:     a.buildConnector,
		Providers:   []string{providerIMAP, providerGmail, providerOutlook}, // custom sources push
		Publish:     a.events.Enqueue,
		MaxAttempts: syncMaxAttempts,
		Logger:      a.logger,
	})
	if err != nil {
		return nil, err
	}
	base := cfg.PublicBaseURL.String()
	a.push, err = pushwatch.New(a.store, a.broker, pushwatch.Options{
		Connect: a.buildConnector, Trigger: a.syncs.Trigger, Failures: a.syncs,
		GmailTopic:           cfg.Gmail.Topic, // none: Gmail mail arrives by the sweep
		GraphNotificationURL: base + "/webhooks/microsoft", GraphLifecycleURL: base + "/webhooks/microsoft/lifecycle",
		RenewBefore: gmail.WatchLifetime - gmail.WatchRenewAfter, // daily, for a 7-day watch
		MaxAttempts: syncMaxAttempts, Now: a.now, Logger: a.logger,
	})
	if err != nil {
		return nil, err
	}
	// The loop guard remembers automated sends in the rate limiter: Redis
	// in production, so that every API replica sees every other's.
	guard, err := sendrun.NewLoopGuard(sendrun.LoopGuardOptions{Limiter: a.limiter, Window: cfg.LoopGuardWindow})
	if err != nil {
		return nil, err
	}
	a.sends, err = sendrun.New(a.store, a.broker, sendrun.Options{
		Connect: a.buildConnector, Failures: a.syncs, Publish: a.events.Enqueue,
		MaxAttempts: sendMaxAttempts, LoopGuard: guard, Logger: a.logger,
	})
	if err != nil {
		return nil, err
	}
	a.actions, err = actionrun.New(a.store, actionrun.Options{
		Connect: a.buildConnector, Providers: []string{providerIMAP, providerGmail, providerOutlook},
		Failures: a.syncs, Publish: a.events.Enqueue, Logger: a.logger,
	})
	if err != nil {
		return nil, err
	}
	if a.gmailPushRoute, err = a.gmailPushHandler(ctx, opts); err != nil {
		return nil, fmt.Errorf("gmail push: %w", err)
	}
	if a.graphRoute, err = a.graphHandler(); err != nil {
		return nil, fmt.Errorf("graph notifications: %w", err)
	}
	if a.checks, err = a.syncs.Checks(syncrun.CheckOptions{Timeout: cfg.ConnectorTestTimeout, Describe: describeTestError}); err != nil {
		return nil, err
	}
	if cfg.IMAPWatch {
		a.watchers, err = a.syncs.Watchers(syncrun.WatchOptions{
			Leases: a.leases("watch"), Providers: []string{providerIMAP}, LeaseTTL: cfg.WatchLeaseTTL,
		})
		if err != nil {
			return nil, err
		}
	}
	if err := a.newHandlers(); err != nil {
		return nil, err
	}
	a.registerJobs()
	return a, nil
}

// newSemaphore returns the semaphore of concurrent work across
// processes (Graph's requests per mailbox, IMAP and SMTP connections per
// host and per mailbox): in Redis in production, in memory otherwise.
func (a *App) newSemaphore() (ratelimit.Semaphore, error) {
	if a.rdb != nil {
		return ratelimit.NewRedisSemaphore(a.rdb, ratelimit.SemaphoreOptions{Prefix: a.cfg.RedisPrefix + ":sem", LeaseTTL: semaphoreLeaseTTL})
	}
	return ratelimit.NewMemorySemaphore(ratelimit.SemaphoreOptions{LeaseTTL: semaphoreLeaseTTL})
}

// leases returns the lease store named name: in Redis in production, so
// that processes share it, in memory otherwise.
func (a *App) leases(name string) lease.Store {
	if a.rdb != nil {
		return lease.NewRedisStore(a.rdb, a.cfg.RedisPrefix+":"+name)
	}
	return lease.NewMemoryStore()
}

// now is the time of jobs that act on expiries.
func (a *App) now() time.Time {
	if a.clock != nil {
		return a.clock()
	}
	return time.Now()
}

func (a *App) openEmbedded() error {
	a.logger.Warn("embedded mode: state is kept in memory and lost when the process stops; set DATABASE_URL and REDIS_URL for production",
		slog.Any("generated_secrets", a.cfg.Generated))
	st, err := memory.New(memory.Options{Keyring: a.cfg.Keyring})
	if err != nil {
		return err
	}
	a.store = st
	a.closers = append(a.closers, st.Close)
	broker := queue.NewMemory(queue.MemoryOptions{})
	a.broker = broker
	a.closers = append(a.closers, broker.Close)
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	if err != nil {
		return err
	}
	a.limiter = lim
	return nil
}

func (a *App) openProduction(ctx context.Context) error {
	pool, err := openPool(ctx, a.cfg)
	if err != nil {
		return err
	}
	a.pool = pool
	a.closers = append(a.closers, func() error { pool.Close(); return nil })
	if a.cfg.DatabaseAutoMigrate {
		if err := migrate(ctx, pool, a.logger); err != nil {
			return err
		}
	}
	st, err := postgres.New(pool, postgres.Options{Keyring: a.cfg.Keyring, Logger: a.logger})
	if err != nil {
		return err
	}
	a.store = st
	rdb, err := openRedis(ctx, a.cfg)
	if err != nil {
		return err
	}
	a.rdb = rdb
	a.closers = append(a.closers, rdb.Close)
	broker, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: a.cfg.RedisPrefix + ":queue", Logger: a.logger})
	if err != nil {
		return err
	}
	a.broker = broker
	a.closers = append(a.closers, broker.Close)
	lim, err := ratelimit.NewRedis(rdb, ratelimit.RedisOptions{Prefix: a.cfg.RedisPrefix + ":ratelimit", Logger: a.logger})
	if err != nil {
		return err
	}
	a.limiter = lim
	a.closers = append(a.closers, lim.Close)
	return nil
}

// Migrate applies pending database migrations (the migrate subcommand).
func Migrate(ctx context.Context, cfg *Config, logger *slog.Logger) error {
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL: required by migrate (embedded mode has no database)")
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := migrate(ctx, pool, logger); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Close releases what New opened, in reverse order.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}
