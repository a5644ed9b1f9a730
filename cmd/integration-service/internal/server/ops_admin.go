package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// AdminHandler returns the routes of the admin listener (ADMIN_ADDR):
// health, queue statistics and metrics without a credential, the
// dashboard (which still asks for ADMIN_TOKEN: its actions change
// things) unless role is RoleWorker, and Go's profiler under
// /debug/pprof/ when PPROF_ENABLED is on.
func (a *App) AdminHandler(role Role) http.Handler {
	r := newRouter(a.logger, a.metrics, a.tracer != nil)
	r.Use(markAdminListener)
	a.http.ops.add(r, true)
	if role != RoleWorker && a.http.dashboard != nil {
		a.http.dashboard.routes(r)
	}
	if a.cfg.Pprof {
		r.HandleFunc("/debug/pprof/*", pprof.Index)
		r.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		r.HandleFunc("/debug/pprof/profile", pprof.Profile)
		r.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		r.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return r
}

// startAdmin listens on addr (ADMIN_ADDR) and serves h there; done
// receives what Serve returned if it stops by itself.
func startAdmin(addr string, h http.Handler, logger *slog.Logger, pprofOn bool) (_ *http.Server, done <-chan error, _ error) {
	stopped := make(chan error, 1)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("ADMIN_ADDR: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			stopped <- err
		}
	}()
	logger.Info("admin listener", slog.String("addr", ln.Addr().String()), slog.Bool("pprof", pprofOn))
	return srv, stopped, nil
}

// adminListenerKey marks the requests of the admin listener.
type adminListenerKey struct{}

func markAdminListener(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), adminListenerKey{}, true)))
	})
}

// onAdminListener reports whether r came in on the admin listener.
func onAdminListener(r *http.Request) bool {
	v, _ := r.Context().Value(adminListenerKey{}).(bool)
	return v
}
