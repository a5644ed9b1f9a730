package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// Verifier caching for custom sources: one webhook.Verifier per
// integration, built from its unsealed secret on first use and kept for
// customSourceTTL, or until the secret is rotated or the integration
// updated or deleted through this process. Another replica's rotation
// reaches this one's cache within customSourceTTL.
const (
	customSourceTTL = 10 * time.Second
	// customSourceMax bounds the cache; when full it starts over.
	customSourceMax = 10_000
)

// Negative caching: an id that is no custom source (unknown, or another
// provider's integration) is remembered as such for customMissTTL, so
// that a sender repeating it costs no query. Creating an integration
// through this process forgets its id at once; in another process, a
// miss remembered here lasts customMissTTL at most (ids are random, so
// that a delivery to an id before it exists is a guess anyway).
const (
	customMissTTL = 10 * time.Second
	// customMissMax bounds the misses remembered; when full, expired
	// ones go first, then all.
	customMissMax = 10_000
)

// customSource is a cached custom integration and the handler that
// verifies and ingests its deliveries.
type customSource struct {
	in      *store.Integration
	handler http.Handler
	loaded  time.Time
}

// verifierCache holds the customSources of recent deliveries.
type verifierCache struct {
	replay  webhook.ReplayStore
	maxBody int64
	logger  *slog.Logger

	mu      sync.Mutex
	sources map[string]*customSource
	misses  map[string]time.Time // id: when it was found to be no custom source
}

func newVerifierCache(replay webhook.ReplayStore, maxBody int64, logger *slog.Logger) *verifierCache {
	return &verifierCache{replay: replay, maxBody: maxBody, logger: logger, sources: map[string]*customSource{}, misses: map[string]time.Time{}}
}

// missed reports whether id was found to be no custom source within
// customMissTTL of now.
func (c *verifierCache) missed(id string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.misses[id]
	return ok && now.Sub(at) <= customMissTTL
}

// miss remembers that id is no custom source.
func (c *verifierCache) miss(id string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.misses) >= customMissMax {
		for k, at := range c.misses {
			if now.Sub(at) > customMissTTL {
				delete(c.misses, k)
			}
		}
		if len(c.misses) >= customMissMax {
			clear(c.misses)
		}
	}
	c.misses[id] = now
}

// get returns the cached source of id, if fresh.
func (c *verifierCache) get(id string, now time.Time) *customSource {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sources[id]
	if s == nil || now.Sub(s.loaded) > customSourceTTL {
		return nil
	}
	return s
}

// put caches s.
func (c *verifierCache) put(s *customSource) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sources) >= customSourceMax {
		c.sources = map[string]*customSource{}
	}
	c.sources[s.in.ID] = s
}

// forget drops what is cached of id: its verifier (its secret was
// rotated, or it was updated or deleted) or its miss (it was created).
func (c *verifierCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sources, id)
	delete(c.misses, id)
}

// replayStore returns where the webhook-ids of custom deliveries are
// remembered: Redis in production mode, memory in embedded mode.
func (a *App) replayStore() webhook.ReplayStore {
	if a.rdb != nil {
		rs, err := webhook.NewRedisReplayStore(a.rdb, webhook.RedisReplayOptions{Prefix: a.cfg.RedisPrefix + ":webhook-replay"})
		if err == nil {
			return rs
		}
		a.logger.Error("webhook replay store: falling back to memory", "error", err)
	}
	return webhook.NewMemoryReplayStore()
}

// customSourceFor returns the verifying handler of custom integration
// id, from the cache or built from the store: nil and store.ErrNotFound
// when there is no such integration or it is not a custom source (which
// is remembered, see customMissTTL).
func (a *App) customSourceFor(ctx context.Context, id string) (*customSource, error) {
	now := time.Now()
	if s := a.verifiers.get(id, now); s != nil {
		return s, nil
	}
	if a.verifiers.missed(id, now) {
		return nil, store.ErrNotFound
	}
	in, err := a.store.FindIntegration(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && in.Provider != providerCustom) {
		a.verifiers.miss(id, now)
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	creds, err := a.store.Credentials(ctx, in.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	secret, err := webhook.ParseSecret(creds.AppSecret)
	if err != nil {
		return nil, err
	}
	v, err := webhook.NewVerifier([]webhook.Secret{secret}, webhook.VerifierOptions{
		MaxBodyBytes: a.verifiers.maxBody,
		Replay:       a.verifiers.replay,
		ReplayScope:  "custom:" + in.ID + ":",
		Logger:       a.logger,
	})
	if err != nil {
		return nil, err
	}
	s := &customSource{in: in, loaded: now}
	s.handler = v.Handler(func(w http.ResponseWriter, r *http.Request, d webhook.Delivery, body []byte) {
		a.ingestCustom(w, r, s.in, d, body)
	})
	a.verifiers.put(s)
	return s, nil
}
