package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ucsp/integration/health"
	"github.com/ucsp/integration/store/memory"
)

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, logger *slog.Logger) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger.Warn("embedded mode: state is kept in memory and lost when the process stops (set DATABASE_URL and REDIS_URL for production)")
	st, err := memory.New(memory.Options{})
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()

	checks, err := health.New(health.Options{})
	if err != nil {
		return err
	}
	if err := checks.Register(health.Check{Name: "store", Func: st.Ping, Timeout: 2 * time.Second, Critical: true}); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           routes(checks),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// routes returns the service's HTTP routes.
func routes(checks *health.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/health", checks.ReadinessHandler())
	mux.Handle("/health/live", checks.LivenessHandler())
	mux.Handle("/health/ready", checks.ReadinessHandler())
	mux.Handle("/health/detailed", checks.DetailedHandler())
	return mux
}
