package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/internal/session"
	"github.com/ucsp/integration/ratelimit"
)

// dashboardCookie holds an operator's session id (a random 256-bit
// secret; the server keeps only an HMAC of it keyed with ADMIN_TOKEN),
// never ADMIN_TOKEN.
const dashboardCookie = "ucsp_dashboard"

// newDashboardSessions returns the operators' sessions: in Redis (rdb,
// under RedisPrefix) in production mode, so that every API process
// knows them, in memory in embedded mode (rdb nil); bound to ADMIN_TOKEN,
// whose change ends every session.
func newDashboardSessions(cfg *Config, rdb *redis.Client, now func() time.Time) (*session.Manager, error) {
	var st session.Store = session.NewMemoryStore()
	if rdb != nil {
		st = session.NewRedisStore(rdb, cfg.RedisPrefix+":dashboard:session")
	}
	return session.NewManager(st, session.Options{TTL: cfg.Dashboard.SessionTTL, Idle: cfg.Dashboard.SessionIdle,
		Secret: []byte(cfg.AdminToken), Now: now})
}

// newSignInLimit returns the limit of sign-in attempts per client
// address (DASHBOARD_SIGN_IN_LIMIT), every attempt counted before the
// token is checked.
func newSignInLimit(cfg *Config, lim ratelimit.Limiter, logger *slog.Logger) (func(http.Handler) http.Handler, error) {
	const tier = "dashboard-sign-in"
	return ratelimit.Middleware(lim, ratelimit.MiddlewareOptions{
		Tiers:          ratelimit.Tiers{tier: {cfg.Dashboard.SignInLimit}},
		DefaultTier:    tier,
		TrustedProxies: cfg.TrustedProxies,
		ProblemType:    probRateLimited,
		Logger:         logger,
	})
}

// dashboardSessionKey is the context key of a request's session.
type dashboardSessionKey struct{}

// dashboardSessionFrom returns the session of a request that the
// dashboard's auth let in with one; nil for a bearer token.
func dashboardSessionFrom(ctx context.Context) *session.Session {
	s, _ := ctx.Value(dashboardSessionKey{}).(*session.Session)
	return s
}

// auth lets operators through: a live session (its cookie), or a bearer
// ADMIN_TOKEN. Others are sent to the sign-in page (GET) or refused.
func (d *dashboard) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s *session.Session
		c, cerr := r.Cookie(dashboardCookie)
		if cerr == nil {
			var err error
			s, err = d.sessions.Get(r.Context(), c.Value)
			if err != nil && !errors.Is(err, session.ErrNoSession) {
				internalError(w, r, d.logger, "dashboard session", err)
				return
			}
		}
		switch {
		case s != nil:
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), dashboardSessionKey{}, s)))
		case d.operator.sentBy(r):
			next.ServeHTTP(w, r)
		case r.Method == http.MethodGet:
			if cerr == nil {
				d.setCookie(w, r, "", -1) // expired or signed out
			}
			http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
		default:
			writeProblem(w, r, http.StatusUnauthorized, probUnauthorized, "the dashboard needs the operator credential")
		}
	})
}

// setCookie sets the session cookie to id for maxAge seconds (-1
// deletes it): HttpOnly, SameSite=Strict, for /dashboard only, and
// Secure whenever the browser reached r over https — on the public
// listener whenever PUBLIC_BASE_URL is https (TLS ends at a proxy in
// front of it); the admin listener (ADMIN_ADDR) serves plain http on an
// internal network, where a Secure cookie would never come back.
func (d *dashboard) setCookie(w http.ResponseWriter, r *http.Request, id string, maxAge int) {
	secure := r.TLS != nil || (!onAdminListener(r) && d.secureCookies)
	http.SetCookie(w, &http.Cookie{
		Name: dashboardCookie, Value: id, Path: "/dashboard", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure,
	})
}

// signIn: POST /dashboard/login (limited per client address) checks the
// token posted and starts a new session, ending the one the browser
// held, if any.
func (d *dashboard) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil || !d.operator.is(r.PostForm.Get("token")) {
		d.logger.WarnContext(r.Context(), "dashboard sign-in refused", slog.String("request_id", RequestID(r.Context())))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_ = dashboardLogin.Execute(w, struct{ Failed bool }{true})
		return
	}
	if c, err := r.Cookie(dashboardCookie); err == nil {
		if err := d.sessions.Delete(r.Context(), c.Value); err != nil {
			internalError(w, r, d.logger, "dashboard sign-in", err)
			return
		}
	}
	s, err := d.sessions.Create(r.Context())
	if err != nil {
		internalError(w, r, d.logger, "dashboard sign-in", err)
		return
	}
	d.setCookie(w, r, s.ID, int(d.sessions.TTL().Seconds()))
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// signOut: POST /dashboard/logout ends the session, on every process,
// and deletes its cookie.
func (d *dashboard) signOut(w http.ResponseWriter, r *http.Request) {
	if !checkCSRF(w, r) {
		return
	}
	if err := d.sessions.Delete(r.Context(), dashboardSessionFrom(r.Context()).ID); err != nil {
		internalError(w, r, d.logger, "dashboard sign-out", err)
		return
	}
	d.setCookie(w, r, "", -1)
	http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
}

// checkCSRF reports whether the request comes from a session and its
// form carries that session's CSRF token, answering 403 when not. A
// bearer token opens pages but does no action: only a session has a
// token.
func checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	s := dashboardSessionFrom(r.Context())
	if r.ParseForm() != nil || s == nil || !s.CheckCSRF(r.PostForm.Get("csrf")) {
		writeProblem(w, r, http.StatusForbidden, probForbidden, "the form is not this session's; reload it (actions need a signed-in session)")
		return false
	}
	return true
}
