package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/secrets"
)

// openStore opens PostgreSQL when cfg names a database, memory otherwise.
func openStore(ctx context.Context, cfg config) (store.Store, error) {
	if cfg.DatabaseURL == "" {
		return memory.New(memory.Options{})
	}
	ring, err := secrets.ParseKeyring(cfg.EncryptionKeys)
	if err != nil {
		return nil, fmt.Errorf("ENCRYPTION_KEYS: %w", err)
	}
	return postgres.Open(ctx, cfg.DatabaseURL, postgres.Options{Keyring: ring, Migrate: true, Logger: cfg.Logger})
}

// openBroker opens a Redis broker when cfg names a server, a memory one
// otherwise, and returns a function that closes it.
func openBroker(cfg config) (queue.Broker, func(), error) {
	if cfg.RedisURL == "" {
		m := queue.NewMemory(queue.MemoryOptions{})
		return m, func() { _ = m.Close() }, nil
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("-redis: %w", err)
	}
	rdb := redis.NewClient(opt)
	r, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: cfg.RedisPrefix, Logger: cfg.Logger})
	if err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	return r, func() { _ = r.Close(); _ = rdb.Close() }, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
