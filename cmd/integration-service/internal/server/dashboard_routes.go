package server

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/queue"
)

//go:embed dashboard/*.html
var dashboardFiles embed.FS

var (
	dashboardPage  = template.Must(template.ParseFS(dashboardFiles, "dashboard/page.html"))
	dashboardLogin = template.Must(template.ParseFS(dashboardFiles, "dashboard/login.html"))
)

// dashboardRoutes adds the operators' dashboard (server-rendered HTML,
// no script, no CDN) when ADMIN_TOKEN is set: GET /dashboard and its
// actions, behind the operator credential — a session that signing in
// with ADMIN_TOKEN at /dashboard/login starts (dashboard_session.go), or
// ADMIN_TOKEN as a bearer token for pages (not actions). Tenant JWTs do
// not open it. Actions are POSTs with the session's CSRF token.
func (a *App) dashboardRoutes(r chi.Router) {
	if a.dashboard == nil {
		return
	}
	r.Group(func(r chi.Router) {
		r.Use(a.ingress.bodyDeadline, withDashboardHeaders)
		r.Get("/dashboard/login", a.dashboardLoginForm)
		r.With(a.dashboard.limitSignIn).Post("/dashboard/login", a.dashboardSignIn)
		r.Group(func(r chi.Router) {
			r.Use(a.dashboardAuth)
			r.Get("/dashboard", a.dashboardIndex)
			r.Post("/dashboard/logout", a.dashboardSignOut)
			r.Post("/dashboard/dead/{queue}/{id}/requeue", a.dashboardDeadAction)
			r.Post("/dashboard/dead/{queue}/{id}/delete", a.dashboardDeadAction)
			r.Post("/dashboard/events/{tenant}/{id}/redeliver", a.dashboardRedeliver)
		})
	})
}

// withDashboardHeaders keeps the pages out of frames and caches, and
// scripts out of them altogether.
func withDashboardHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func (a *App) dashboardLoginForm(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = dashboardLogin.Execute(w, struct{ Failed bool }{})
}

// dashboardIndex: GET /dashboard[?tenant=ID]. Its forms carry the
// session's CSRF token (none for a bearer token's page: actions need a
// session).
func (a *App) dashboardIndex(w http.ResponseWriter, r *http.Request) {
	v, err := a.dashboardData(r.Context(), r.URL.Query().Get("tenant"))
	if err != nil {
		internalError(w, r, a.logger, "dashboard", err)
		return
	}
	if s := dashboardSessionFrom(r.Context()); s != nil {
		v.CSRF = s.CSRF
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := dashboardPage.Execute(w, v); err != nil {
		a.logger.WarnContext(r.Context(), "rendering the dashboard failed", "error", err)
	}
}

// dashboardDeadAction requeues or deletes a dead job, then shows the
// dashboard again.
func (a *App) dashboardDeadAction(w http.ResponseWriter, r *http.Request) {
	if !a.checkCSRF(w, r) {
		return
	}
	q, id := chi.URLParam(r, "queue"), chi.URLParam(r, "id")
	var err error
	if strings.HasSuffix(r.URL.Path, "/requeue") {
		err = a.broker.RequeueDead(r.Context(), q, id)
	} else {
		err = a.broker.DeleteDead(r.Context(), q, id)
	}
	switch {
	case errors.Is(err, queue.ErrNotFound):
		notFound(w, r, "dead job")
		return
	case err != nil:
		a.storeError(w, r, err, "dead job")
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// dashboardRedeliver sends a tenant's dead or delivered event again.
func (a *App) dashboardRedeliver(w http.ResponseWriter, r *http.Request) {
	if !a.checkCSRF(w, r) {
		return
	}
	tenant, id := chi.URLParam(r, "tenant"), chi.URLParam(r, "id")
	if _, err := a.events.Redeliver(r.Context(), tenant, id); err != nil {
		a.storeError(w, r, err, "event")
		return
	}
	http.Redirect(w, r, "/dashboard?tenant="+url.QueryEscape(tenant), http.StatusSeeOther)
}
