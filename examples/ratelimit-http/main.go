// Command ratelimit-http serves an HTTP endpoint behind ratelimit.Middleware:
// each API key (the X-API-Key header), or each client address when there is
// none, may make -limit requests; the ones beyond get 429 Too Many Requests
// with a Retry-After header, and every answer says where the client stands in
// its RateLimit-Policy and RateLimit headers.
//
//	go run ./examples/ratelimit-http -addr localhost:8080 -limit '3/m'
//	for i in 1 2 3 4; do curl -si -H 'X-API-Key: k1' localhost:8080/hello | head -1; done
//
// The limits are kept in the process's memory unless -redis names a Redis
// server (redis://host:6379/0): then every replica of the service shares them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/ratelimit"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.Addr, "addr", "localhost:8080", "the address to listen on")
	flag.StringVar(&cfg.Limit, "limit", "3/m", `the limit per API key or address, e.g. "10/s burst=20", "100/m"`)
	flag.StringVar(&cfg.RedisURL, "redis", "", "a redis:// URL; empty: keep the limits in memory")
	flag.Parse()
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ratelimit-http:", err)
		os.Exit(1)
	}
}

// config is run's input.
type config struct {
	Addr        string
	Limit       string // as ratelimit.ParseLimit reads it
	RedisURL    string // empty: ratelimit.NewMemory
	RedisPrefix string // Redis key prefix; empty: ratelimit.DefaultPrefix
	Logger      *slog.Logger
}

// run serves until ctx is done.
func run(ctx context.Context, cfg config, out io.Writer) error {
	h, closeLimiter, err := newHandler(cfg)
	if err != nil {
		return err
	}
	defer closeLimiter()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutCtx)
	}()
	fmt.Fprintf(out, "listening on http://%s, %s per API key\n", ln.Addr(), cfg.Limit)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHandler returns the endpoint behind the rate limiter, and a function
// that releases the limiter.
func newHandler(cfg config) (http.Handler, func(), error) {
	limit, err := ratelimit.ParseLimit(cfg.Limit)
	if err != nil {
		return nil, nil, fmt.Errorf("-limit: %w", err)
	}
	lim, closeLimiter, err := newLimiter(cfg)
	if err != nil {
		return nil, nil, err
	}
	limited, err := ratelimit.Middleware(lim, ratelimit.MiddlewareOptions{
		// One tier for everyone here; a real service has a tier per plan
		// (see ratelimit.ParseTiers) and returns the tenant's below.
		Tiers: ratelimit.Tiers{"free": {limit}},
		// The API key is who a request counts against. Without one, the
		// request counts against its client address.
		Key:    func(r *http.Request) (key, tier string) { return r.Header.Get("X-API-Key"), "free" },
		Logger: cfg.Logger,
	})
	if err != nil {
		closeLimiter()
		return nil, nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello\n")
	})
	return limited(mux), closeLimiter, nil
}

// newLimiter returns a memory limiter, or a Redis one when cfg names a
// server, and a function that closes it.
func newLimiter(cfg config) (ratelimit.Limiter, func(), error) {
	if cfg.RedisURL == "" {
		m, err := ratelimit.NewMemory(ratelimit.MemoryOptions{})
		return m, func() {}, err
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("-redis: %w", err)
	}
	rdb := redis.NewClient(opt)
	r, err := ratelimit.NewRedis(rdb, ratelimit.RedisOptions{Prefix: cfg.RedisPrefix, Logger: cfg.Logger})
	if err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	return r, func() { _ = r.Close(); _ = rdb.Close() }, nil
}
