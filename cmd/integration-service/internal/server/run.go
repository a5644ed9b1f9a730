package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// maxHeaderBytes bounds a request's header block (net/http's default is
// 1 MiB, which a slow client could make each connection hold): tokens,
// signatures and cookies fit in far less.
const maxHeaderBytes = 64 << 10

// Run listens on PORT and serves role until ctx is done (SIGTERM), then
// shuts down gracefully; see Serve.
func (a *App) Run(ctx context.Context, role Role) error {
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", a.cfg.Port))
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln, role)
}

// Serve serves role's routes on ln and, unless role is RoleServe, runs
// the job worker, until ctx is done. Then it stops accepting
// connections and lets in-flight requests and running jobs finish, each
// within SHUTDOWN_TIMEOUT, and returns nil if they did.
func (a *App) Serve(ctx context.Context, ln net.Listener, role Role) error {
	switch {
	case role != RoleAll && role != RoleServe && role != RoleWorker:
		return fmt.Errorf("unknown role %q", role)
	case a.cfg.Embedded() && role != RoleAll:
		return fmt.Errorf("%s: embedded mode runs the API and the worker in one process; set DATABASE_URL and REDIS_URL to run them apart", role)
	}
	// Headers have one deadline and a size bound for every route; bodies
	// and answers have theirs per route group (see ingress), not here:
	// http.Server's ReadTimeout and WriteTimeout would bind every route,
	// those that must stream at length too.
	srv := &http.Server{
		Handler:           traced(a.tracer, a.Handler(role)),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Serve(ln) }()
	var admin *http.Server
	adminDone := make(<-chan error)
	if a.cfg.AdminAddr != "" {
		var err error
		if admin, adminDone, err = startAdmin(a.cfg.AdminAddr, a.AdminHandler(role), a.logger, a.cfg.Pprof); err != nil {
			_ = srv.Close()
			return err
		}
	}

	workerDone := make(chan error, 1)
	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorker()
	if role == RoleServe {
		workerDone <- nil
	} else {
		w, err := a.newWorker()
		if err != nil {
			_ = srv.Close()
			if admin != nil {
				_ = admin.Close()
			}
			return err
		}
		watchDone := make(chan struct{})
		if a.watchers != nil {
			go func() {
				defer close(watchDone)
				_ = a.watchers.Run(workerCtx) // stops the watchers and releases their leases when workerCtx ends
			}()
		} else {
			close(watchDone)
		}
		go func() {
			err := w.Run(workerCtx)
			<-watchDone
			workerDone <- err
		}()
	}
	if role != RoleWorker && a.cfg.AdminToken != "" {
		go a.metrics.history.sampleQueues(workerCtx, a.broker.Stats) // the dashboard's charts
	}
	a.logger.Info("serving", slog.String("role", string(role)), slog.String("addr", ln.Addr().String()), slog.Any("config", a.cfg))

	select {
	case err := <-httpDone:
		stopWorker()
		if admin != nil {
			_ = admin.Close()
		}
		return errors.Join(fmt.Errorf("http: %w", err), <-workerDone)
	case err := <-adminDone:
		stopWorker()
		_ = srv.Close()
		return errors.Join(fmt.Errorf("admin listener: %w", err), <-workerDone)
	case <-ctx.Done():
	}
	a.logger.Info("shutting down: draining requests and jobs", slog.Duration("timeout", a.cfg.ShutdownTimeout))
	stopWorker()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	if err := srv.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if err := <-httpDone; !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	if admin != nil {
		if err := admin.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("admin listener shutdown: %w", err))
		}
	}
	if err := <-workerDone; err != nil {
		errs = append(errs, fmt.Errorf("worker: %w", err))
	}
	if len(errs) == 0 {
		a.logger.Info("stopped cleanly")
	}
	return errors.Join(errs...)
}
