package custom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// DefaultProvider is the provider of custom sources when
// Options.Provider is empty.
const DefaultProvider = "custom"

// Store is what Sources need of a store: a subset of store.Store, so
// that store/memory, store/postgres or a deployment's own implementation
// (or a wrapper of one) can be passed as it is.
type Store interface {
	FindIntegration(ctx context.Context, id string) (*store.Integration, error)
	Credentials(ctx context.Context, tenantID, id string) (connector.Credentials, error)
	SyncState(ctx context.Context, tenantID, integrationID string) (store.SyncState, error)
	CommitSync(ctx context.Context, c *store.SyncCommit) (*store.SyncResult, error)
	GetMessageByProviderID(ctx context.Context, tenantID, integrationID, providerID string) (*store.Message, error)
}

var _ Store = store.Store(nil)

// Options configure Sources. The zero value of every field means its
// documented default.
type Options struct {
	// Provider is the provider of the integrations that are custom
	// sources; "" means DefaultProvider. A delivery to an integration of
	// another provider is refused as one to an unknown id.
	Provider string
	// Replay remembers the webhook-ids served, so that each delivery is
	// ingested once (webhook.NewRedisReplayStore across processes); nil
	// means a webhook.NewMemoryReplayStore of these Sources' own.
	Replay webhook.ReplayStore
	// MaxBodyBytes bounds a delivery's body; 0 means
	// webhook.DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Publish is called with the message.received events of a commit
	// once it is committed, to hand them to delivery (an event outbox's
	// Enqueue). It must not block for long; the events are stored
	// already. nil: events are stored only.
	Publish func(ctx context.Context, events ...*store.Event)
	// Respond writes the answer to a verified delivery: res when it was
	// ingested, err when it was refused (see the package doc's errors).
	// res points into memory that is reused once Respond returns. nil
	// means WriteResponse.
	Respond func(w http.ResponseWriter, r *http.Request, res *Result, err error)
	// Logger receives the verifiers' lines about rejected deliveries
	// (never their content) and the Sources' own; nil means
	// slog.Default().
	Logger *slog.Logger
}

// ErrInvalid is returned by New for options it cannot run with; the
// error's text names the field.
var ErrInvalid = errors.New("custom: invalid options")

// Sources verify and ingest the deliveries of the custom sources of a
// store. They are safe for concurrent use.
type Sources struct {
	store    Store
	provider string
	replay   webhook.ReplayStore
	maxBody  int64
	publish  func(ctx context.Context, events ...*store.Event)
	respond  func(w http.ResponseWriter, r *http.Request, res *Result, err error)
	logger   *slog.Logger

	cache   *cache
	commits *commits
	scratch sync.Pool // of *scratch
}

// New returns the Sources of st. It checks opts and reports every
// problem at once, each naming its field.
func New(st Store, opts Options) (*Sources, error) {
	var errs []error
	if st == nil {
		errs = append(errs, fmt.Errorf("%w: New: nil store", ErrInvalid))
	}
	if opts.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("%w: Options.MaxBodyBytes %d must not be negative", ErrInvalid, opts.MaxBodyBytes))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s := &Sources{
		store: st, provider: opts.Provider, replay: opts.Replay, maxBody: opts.MaxBodyBytes,
		publish: opts.Publish, respond: opts.Respond, logger: opts.Logger,
		cache: newCache(), commits: newCommits(),
	}
	if s.provider == "" {
		s.provider = DefaultProvider
	}
	if s.replay == nil {
		s.replay = webhook.NewMemoryReplayStore()
	}
	if s.maxBody == 0 {
		s.maxBody = webhook.DefaultMaxBodyBytes
	}
	if s.respond == nil {
		s.respond = WriteResponse
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	return s, nil
}

// Source is one custom source: its integration and the verifier of its
// deliveries. Serve deliveries to it with ServeHTTP.
type Source struct {
	sources *Sources
	in      *store.Integration
	handler http.Handler
	loaded  time.Time
}

// Integration returns the source's integration, as it was when the
// source was loaded. The caller must not change it.
func (src *Source) Integration() *store.Integration { return src.in }

// ServeHTTP serves one delivery to the source: it verifies it (Standard
// Webhooks, with replay protection), checks that the body is JSON,
// ingests it and answers through Options.Respond.
func (src *Source) ServeHTTP(w http.ResponseWriter, r *http.Request) { src.handler.ServeHTTP(w, r) }

// Source returns the custom source of integration id, from the cache or
// loaded from the store, with a verifier of its current secret. When
// there is no such integration, or it is of another provider, or id is
// no valid id, it returns store.ErrNotFound (remembered for a few
// seconds, so that repeating it costs no query).
func (s *Sources) Source(ctx context.Context, id string) (*Source, error) {
	if !store.ValidID(id) {
		return nil, store.ErrNotFound
	}
	now := time.Now()
	if src := s.cache.get(id, now); src != nil {
		return src, nil
	}
	if s.cache.missed(id, now) {
		return nil, store.ErrNotFound
	}
	in, err := s.store.FindIntegration(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && in.Provider != s.provider) {
		s.cache.miss(id, now)
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	creds, err := s.store.Credentials(ctx, in.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	secret, err := webhook.ParseSecret(creds.AppSecret)
	if err != nil {
		return nil, fmt.Errorf("custom: the secret of source %s: %w", in.ID, err)
	}
	v, err := webhook.NewVerifier([]webhook.Secret{secret}, webhook.VerifierOptions{
		MaxBodyBytes: s.maxBody,
		Replay:       s.replay,
		ReplayScope:  "custom:" + in.ID + ":",
		Logger:       s.logger,
	})
	if err != nil {
		return nil, err
	}
	src := &Source{sources: s, in: in, loaded: now}
	src.handler = v.Handler(src.serve)
	s.cache.put(src)
	return src, nil
}

// Forget drops what is remembered of integration id: its source (its
// secret was rotated, or it was updated or deleted) or that it is no
// source (it was created). Another process's memory of it lasts a few
// seconds at most.
func (s *Sources) Forget(id string) { s.cache.forget(id) }
