package server

import (
	"context"
	"net/http"
	"net/http/pprof"

	"github.com/go-chi/chi/v5"
)

// opsRoutes adds the routes operators and orchestrators use. Liveness
// and readiness are public and carry statuses only (a failing check's
// error text is replaced by a generic one). The detailed health report,
// the queue statistics and the metrics show internals (addresses,
// database names, job types, traffic): on the public listener they need
// the operator credential, ADMIN_TOKEN, as a bearer token —
// /health/detailed answers the readiness report without it, so that the
// seed's route keeps answering — and on the admin listener (ADMIN_ADDR,
// which the operator keeps on an internal network) they are open.
func (a *App) opsRoutes(r chi.Router, admin bool) {
	r.Get("/health", a.checks.ReadinessHandler().ServeHTTP)
	r.Get("/health/live", a.checks.LivenessHandler().ServeHTTP)
	r.Get("/health/ready", a.checks.ReadinessHandler().ServeHTTP)
	detailed, public := a.checks.DetailedHandler(), a.checks.ReadinessHandler()
	r.Get("/health/detailed", func(w http.ResponseWriter, r *http.Request) {
		if admin || a.isOperator(r) {
			detailed.ServeHTTP(w, r)
			return
		}
		public.ServeHTTP(w, r)
	})
	r.Group(func(r chi.Router) {
		if !admin {
			r.Use(a.operatorOnly)
		}
		r.Get("/health/queue-stats", a.queueStats)
		r.Get("/metrics", a.metrics.handler().ServeHTTP)
	})
}

// isOperator reports whether r carries ADMIN_TOKEN as its bearer token.
func (a *App) isOperator(r *http.Request) bool {
	if a.cfg.AdminToken == "" {
		return false
	}
	tok, ok := bearer(r.Header.Get("Authorization"))
	return ok && equalSecret(tok, a.cfg.AdminToken)
}

// operatorOnly refuses requests without the operator credential: 401,
// saying where the route is served.
func (a *App) operatorOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.isOperator(r) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="operator"`)
		writeProblem(w, r, http.StatusUnauthorized, probUnauthorized,
			"this route is for operators: send ADMIN_TOKEN as a bearer token, or use the admin listener (ADMIN_ADDR)")
	})
}

// AdminHandler returns the routes of the admin listener (ADMIN_ADDR):
// health, queue statistics and metrics without a credential, the
// dashboard (which still asks for ADMIN_TOKEN: its actions change
// things) unless role is RoleWorker, and Go's profiler under
// /debug/pprof/ when PPROF_ENABLED is on.
func (a *App) AdminHandler(role Role) http.Handler {
	r := a.newRouter()
	r.Use(markAdminListener)
	a.opsRoutes(r, true)
	if role != RoleWorker {
		a.dashboardRoutes(r)
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
