package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"

	"github.com/ucsp/integration/internal/session"
	"github.com/ucsp/integration/ratelimit"
)

// dashboardCookie holds an operator's session id (a random 256-bit
// secret; the server keeps only an HMAC of it keyed with ADMIN_TOKEN),
// never ADMIN_TOKEN.
const dashboardCookie = "ucsp_dashboard"

// dashboardAccess is what lets operators into the dashboard: their
// sessions (in Redis in production mode, so that every API process
// knows them; in memory in embedded mode) and the limit on sign-in
// attempts per client address.
type dashboardAccess struct {
	sessions    *session.Manager
	limitSignIn func(http.Handler) http.Handler
}

// newDashboardAccess returns the dashboard's access, or nil when
// ADMIN_TOKEN is not set (no dashboard).
func (a *App) newDashboardAccess() (*dashboardAccess, error) {
	if a.cfg.AdminToken == "" {
		return nil, nil
	}
	var st session.Store = session.NewMemoryStore()
	if a.rdb != nil {
		st = session.NewRedisStore(a.rdb, a.cfg.RedisPrefix+":dashboard:session")
	}
	// Sessions are bound to ADMIN_TOKEN: changing it ends every session.
	m, err := session.NewManager(st, session.Options{TTL: a.cfg.Dashboard.SessionTTL, Idle: a.cfg.Dashboard.SessionIdle,
		Secret: []byte(a.cfg.AdminToken), Now: a.now})
	if err != nil {
		return nil, err
	}
	const tier = "dashboard-sign-in"
	limit, err := ratelimit.Middleware(a.limiter, ratelimit.MiddlewareOptions{
		Tiers:          ratelimit.Tiers{tier: {a.cfg.Dashboard.SignInLimit}},
		DefaultTier:    tier,
		TrustedProxies: a.cfg.TrustedProxies,
		ProblemType:    probRateLimited,
		Logger:         a.logger,
	})
	if err != nil {
		return nil, err
	}
	return &dashboardAccess{sessions: m, limitSignIn: limit}, nil
}

// dashboardSessionKey is the context key of a request's session.
type dashboardSessionKey struct{}

// dashboardSessionFrom returns the session of a request that
// dashboardAuth let in with one; nil for a bearer token.
func dashboardSessionFrom(ctx context.Context) *session.Session {
	s, _ := ctx.Value(dashboardSessionKey{}).(*session.Session)
	return s
}

// dashboardAuth lets operators through: a live session (its cookie), or
// a bearer ADMIN_TOKEN. Others are sent to the sign-in page (GET) or
// refused.
func (a *App) dashboardAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s *session.Session
		c, cerr := r.Cookie(dashboardCookie)
		if cerr == nil {
			var err error
			s, err = a.dashboard.sessions.Get(r.Context(), c.Value)
			if err != nil && !errors.Is(err, session.ErrNoSession) {
				internalError(w, r, a.logger, "dashboard session", err)
				return
			}
		}
		switch {
		case s != nil:
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), dashboardSessionKey{}, s)))
		case a.isOperator(r):
			next.ServeHTTP(w, r)
		case r.Method == http.MethodGet:
			if cerr == nil {
				a.setDashboardCookie(w, r, "", -1) // expired or signed out
			}
			http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
		default:
			writeProblem(w, r, http.StatusUnauthorized, probUnauthorized, "the dashboard needs the operator credential")
		}
	})
}

func equalSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// setDashboardCookie sets the session cookie to id for maxAge seconds
// (-1 deletes it): HttpOnly, SameSite=Strict, for /dashboard only, and
// Secure whenever the browser reached r over https — on the public
// listener whenever PUBLIC_BASE_URL is https (TLS ends at a proxy in
// front of it); the admin listener (ADMIN_ADDR) serves plain http on an
// internal network, where a Secure cookie would never come back.
func (a *App) setDashboardCookie(w http.ResponseWriter, r *http.Request, id string, maxAge int) {
	secure := r.TLS != nil || (!onAdminListener(r) && a.cfg.PublicBaseURL.Scheme == "https")
	http.SetCookie(w, &http.Cookie{
		Name: dashboardCookie, Value: id, Path: "/dashboard", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure,
	})
}

// dashboardSignIn: POST /dashboard/login (limited per client address)
// checks the token posted and starts a new session, ending the one the
// browser held, if any.
func (a *App) dashboardSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil || !equalSecret(r.PostForm.Get("token"), a.cfg.AdminToken) {
		a.logger.WarnContext(r.Context(), "dashboard sign-in refused", slog.String("request_id", RequestID(r.Context())))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_ = dashboardLogin.Execute(w, struct{ Failed bool }{true})
		return
	}
	if c, err := r.Cookie(dashboardCookie); err == nil {
		if err := a.dashboard.sessions.Delete(r.Context(), c.Value); err != nil {
			internalError(w, r, a.logger, "dashboard sign-in", err)
			return
		}
	}
	s, err := a.dashboard.sessions.Create(r.Context())
	if err != nil {
		internalError(w, r, a.logger, "dashboard sign-in", err)
		return
	}
	a.setDashboardCookie(w, r, s.ID, int(a.dashboard.sessions.TTL().Seconds()))
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// dashboardSignOut: POST /dashboard/logout ends the session, on every
// process, and deletes its cookie.
func (a *App) dashboardSignOut(w http.ResponseWriter, r *http.Request) {
	if !a.checkCSRF(w, r) {
		return
	}
	if err := a.dashboard.sessions.Delete(r.Context(), dashboardSessionFrom(r.Context()).ID); err != nil {
		internalError(w, r, a.logger, "dashboard sign-out", err)
		return
	}
	a.setDashboardCookie(w, r, "", -1)
	http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
}

// checkCSRF reports whether the request comes from a session and its
// form carries that session's CSRF token, answering 403 when not. A
// bearer token opens pages but does no action: only a session has a
// token.
func (a *App) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	s := dashboardSessionFrom(r.Context())
	if r.ParseForm() != nil || s == nil || !s.CheckCSRF(r.PostForm.Get("csrf")) {
		writeProblem(w, r, http.StatusForbidden, probForbidden, "the form is not this session's; reload it (actions need a signed-in session)")
		return false
	}
	return true
}
