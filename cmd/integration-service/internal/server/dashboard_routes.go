package server

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/internal/session"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook/outbox"
)

//go:embed dashboard/*.html
var dashboardFiles embed.FS

var (
	dashboardPage  = template.Must(template.ParseFS(dashboardFiles, "dashboard/page.html"))
	dashboardLogin = template.Must(template.ParseFS(dashboardFiles, "dashboard/login.html"))
)

// dashboard is the operators' dashboard (server-rendered HTML, no
// script, no CDN), served when ADMIN_TOKEN is set: GET /dashboard and
// its actions, behind the operator credential — a session that signing
// in with ADMIN_TOKEN at /dashboard/login starts (dashboard_session.go),
// or ADMIN_TOKEN as a bearer token for pages (not actions). Tenant JWTs
// do not open it. Actions are POSTs with the session's CSRF token.
type dashboard struct {
	// sessions are the operators' (in Redis in production mode, so that
	// every API process knows them; in memory in embedded mode);
	// limitSignIn bounds the sign-in attempts per client address.
	sessions    *session.Manager
	limitSignIn func(http.Handler) http.Handler
	// bodyDeadline bounds the bodies of its forms (ingress).
	bodyDeadline func(http.Handler) http.Handler
	operator     operatorToken
	// secureCookies: PUBLIC_BASE_URL is https, so that the public
	// listener's cookies are Secure (see setCookie).
	secureCookies bool
	// What the page shows and the actions change: integrations and
	// events (store), queues and dead jobs (broker), event redelivery
	// (outbox) and the last hour's charts (history).
	store   store.Store
	broker  queue.Broker
	outbox  *outbox.Outbox
	history *jobHistory
	now     func() time.Time
	logger  *slog.Logger
}

// routes adds the dashboard's routes to r.
func (d *dashboard) routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(d.bodyDeadline, withDashboardHeaders)
		r.Get("/dashboard/login", d.loginForm)
		r.With(d.limitSignIn).Post("/dashboard/login", d.signIn)
		r.Group(func(r chi.Router) {
			r.Use(d.auth)
			r.Get("/dashboard", d.index)
			r.Post("/dashboard/logout", d.signOut)
			r.Post("/dashboard/dead/{queue}/{id}/requeue", d.deadAction)
			r.Post("/dashboard/dead/{queue}/{id}/delete", d.deadAction)
			r.Post("/dashboard/events/{tenant}/{id}/redeliver", d.redeliver)
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

func (d *dashboard) loginForm(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = dashboardLogin.Execute(w, struct{ Failed bool }{})
}

// index: GET /dashboard[?tenant=ID]. Its forms carry the session's
// CSRF token (none for a bearer token's page: actions need a session).
func (d *dashboard) index(w http.ResponseWriter, r *http.Request) {
	v, err := d.data(r.Context(), r.URL.Query().Get("tenant"))
	if err != nil {
		internalError(w, r, d.logger, "dashboard", err)
		return
	}
	if s := dashboardSessionFrom(r.Context()); s != nil {
		v.CSRF = s.CSRF
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := dashboardPage.Execute(w, v); err != nil {
		d.logger.WarnContext(r.Context(), "rendering the dashboard failed", "error", err)
	}
}

// deadAction requeues or deletes a dead job, then shows the dashboard
// again.
func (d *dashboard) deadAction(w http.ResponseWriter, r *http.Request) {
	if !checkCSRF(w, r) {
		return
	}
	q, id := chi.URLParam(r, "queue"), chi.URLParam(r, "id")
	var err error
	if strings.HasSuffix(r.URL.Path, "/requeue") {
		err = d.broker.RequeueDead(r.Context(), q, id)
	} else {
		err = d.broker.DeleteDead(r.Context(), q, id)
	}
	switch {
	case errors.Is(err, queue.ErrNotFound):
		notFound(w, r, "dead job")
		return
	case err != nil:
		storeError(w, r, d.logger, err, "dead job")
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// redeliver sends a tenant's dead or delivered event again.
func (d *dashboard) redeliver(w http.ResponseWriter, r *http.Request) {
	if !checkCSRF(w, r) {
		return
	}
	tenant, id := chi.URLParam(r, "tenant"), chi.URLParam(r, "id")
	if _, err := d.outbox.Redeliver(r.Context(), tenant, id); err != nil {
		storeError(w, r, d.logger, err, "event")
		return
	}
	http.Redirect(w, r, "/dashboard?tenant="+url.QueryEscape(tenant), http.StatusSeeOther)
}
