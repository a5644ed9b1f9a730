package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"
)

//go:embed dashboard/*.html
var dashboardFiles embed.FS

var (
	dashboardPage  = template.Must(template.ParseFS(dashboardFiles, "dashboard/page.html"))
	dashboardLogin = template.Must(template.ParseFS(dashboardFiles, "dashboard/login.html"))
)

// dashboardCookie holds an operator's session: an HMAC of ADMIN_TOKEN,
// never the token itself.
const dashboardCookie = "ucsp_dashboard"

// dashboardRoutes adds the operators' dashboard (server-rendered HTML,
// no script, no CDN) when ADMIN_TOKEN is set: GET /dashboard and its
// actions, behind the operator credential — ADMIN_TOKEN as a bearer
// token, or the session cookie that signing in at /dashboard/login
// sets. Tenant JWTs do not open it. Actions are POSTs with a CSRF token.
func (a *App) dashboardRoutes(r chi.Router) {
	if a.cfg.AdminToken == "" {
		return
	}
	r.Get("/dashboard/login", a.dashboardLoginForm)
	r.Post("/dashboard/login", a.dashboardSignIn)
	r.Group(func(r chi.Router) {
		r.Use(a.dashboardAuth)
		r.Get("/dashboard", a.dashboard)
		r.Post("/dashboard/dead/{queue}/{id}/requeue", a.dashboardDeadAction)
		r.Post("/dashboard/dead/{queue}/{id}/delete", a.dashboardDeadAction)
		r.Post("/dashboard/events/{tenant}/{id}/redeliver", a.dashboardRedeliver)
	})
}

// dashboardSecret derives a value from ADMIN_TOKEN for purpose.
func (a *App) dashboardSecret(purpose string) string {
	m := hmac.New(sha256.New, []byte(a.cfg.AdminToken))
	m.Write([]byte("ucsp-dashboard-" + purpose))
	return hex.EncodeToString(m.Sum(nil))
}

func equalSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// dashboardAuth lets operators through: a bearer ADMIN_TOKEN or the
// session cookie. Others are sent to the sign-in page (GET) or refused.
func (a *App) dashboardAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dashboardHeaders(w)
		ok := false
		if tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
			ok = equalSecret(tok, a.cfg.AdminToken)
		} else if c, err := r.Cookie(dashboardCookie); err == nil {
			ok = equalSecret(c.Value, a.dashboardSecret("session"))
		}
		switch {
		case ok:
			next.ServeHTTP(w, r)
		case r.Method == http.MethodGet:
			http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
		default:
			writeProblem(w, r, http.StatusUnauthorized, probUnauthorized, "the dashboard needs the operator credential")
		}
	})
}

// dashboardHeaders keeps the pages out of frames and caches, and
// scripts out of them altogether.
func dashboardHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
}

func (a *App) dashboardLoginForm(w http.ResponseWriter, _ *http.Request) {
	dashboardHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = dashboardLogin.Execute(w, struct{ Failed bool }{})
}

// dashboardSignIn checks the token posted and sets the session cookie.
func (a *App) dashboardSignIn(w http.ResponseWriter, r *http.Request) {
	dashboardHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil || !equalSecret(r.PostForm.Get("token"), a.cfg.AdminToken) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_ = dashboardLogin.Execute(w, struct{ Failed bool }{true})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: dashboardCookie, Value: a.dashboardSecret("session"), Path: "/dashboard",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: a.cfg.PublicBaseURL.Scheme == "https",
		MaxAge: 12 * 3600,
	})
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// dashboard: GET /dashboard[?tenant=ID].
func (a *App) dashboard(w http.ResponseWriter, r *http.Request) {
	v, err := a.dashboardData(r.Context(), r.URL.Query().Get("tenant"))
	if err != nil {
		internalError(w, r, a.logger, "dashboard", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := dashboardPage.Execute(w, v); err != nil {
		a.logger.WarnContext(r.Context(), "rendering the dashboard failed", "error", err)
	}
}

// checkCSRF reports whether the posted form carries the CSRF token,
// answering 403 when it does not.
func (a *App) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if r.ParseForm() != nil || !equalSecret(r.PostForm.Get("csrf"), a.dashboardSecret("csrf")) {
		writeProblem(w, r, http.StatusForbidden, probForbidden, "the form is not the dashboard's; reload it")
		return false
	}
	return true
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
	if err != nil {
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
	ev, err := a.store.RedeliverEvent(r.Context(), tenant, id)
	if err != nil {
		a.storeError(w, r, err, "event")
		return
	}
	if a.deliverer != nil {
		if err := a.enqueueDelivery(r.Context(), ev, redeliverySuffix()); err != nil {
			a.logger.WarnContext(r.Context(), "enqueueing a redelivery failed; the sweep will", "event_id", ev.ID, "error", err)
		}
	}
	http.Redirect(w, r, "/dashboard?tenant="+url.QueryEscape(tenant), http.StatusSeeOther)
}
