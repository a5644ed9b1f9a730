package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/store/postgres"
)

// connectTimeout bounds how long start-up waits for PostgreSQL and Redis
// to answer (a compose stack starts them together with the service).
const connectTimeout = 30 * time.Second

// openPool connects to DATABASE_URL, waiting up to connectTimeout for
// the server to answer. Errors never quote the password (pgconn redacts
// it).
func openPool(ctx context.Context, cfg *Config) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if cfg.DatabaseMaxConns > 0 {
		pc.MaxConns = int32(cfg.DatabaseMaxConns) //nolint:gosec // bounded by LoadConfig
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := waitFor(ctx, "postgres", pool.Ping); err != nil {
		pool.Close()
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	return pool, nil
}

// migrate applies pending migrations and logs what it applied.
func migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	applied, err := postgres.Migrate(ctx, pool)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		logger.InfoContext(ctx, "applied database migrations", slog.Any("versions", applied))
	}
	return nil
}

// openRedis connects to REDIS_URL, waiting up to connectTimeout.
func openRedis(ctx context.Context, cfg *Config) (*redis.Client, error) {
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: not a valid redis:// or rediss:// URL")
	}
	rdb := redis.NewClient(opt)
	if err := waitFor(ctx, "redis", func(ctx context.Context) error { return rdb.Ping(ctx).Err() }); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	return rdb, nil
}

// waitFor calls ping until it succeeds, ctx is done or connectTimeout
// has passed, and returns the last error then.
func waitFor(ctx context.Context, what string, ping func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	delay := 100 * time.Millisecond
	for {
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		err := ping(pctx)
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer within %s: %w", what, connectTimeout, err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}
