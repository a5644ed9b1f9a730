package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// Role is what a process does: serve the API, run jobs, or both.
type Role string

// The roles, named as the subcommands that choose them.
const (
	RoleAll    Role = "all"
	RoleServe  Role = "serve"
	RoleWorker Role = "worker"
)

// Handler returns the HTTP routes of role: the health and metrics routes
// always (see opsRoutes), the API and its OpenAPI document unless role is
// RoleWorker, and the dashboard unless the admin listener serves it.
func (a *App) Handler(role Role) http.Handler {
	r := a.newRouter()
	a.opsRoutes(r, false)
	if role == RoleWorker {
		return r
	}
	r.Get("/openapi.json", serveOpenAPI)
	if a.cfg.AdminAddr == "" {
		a.dashboardRoutes(r) // else on the admin listener only
	}
	a.apiRoutes(r)
	return r
}

// newRouter returns a router with the middleware every route has (request
// id, access log and metrics, span names) and problem answers for
// unknown routes and methods.
func (a *App) newRouter() *chi.Mux {
	r := chi.NewRouter()
	r.Use(withRequestID, a.observe)
	if a.tracer != nil {
		r.Use(nameSpan)
	}
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusNotFound, probNotFound, "no such route")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			if r.Match(chi.NewRouteContext(), m, req.URL.Path) {
				allowed = append(allowed, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeProblem(w, req, http.StatusMethodNotAllowed, probMethod, "the route does not answer this method; see Allow")
	})
	return r
}

// apiRoutes adds the webhook, sign-in and API routes.
func (a *App) apiRoutes(r chi.Router) {
	// The routes anyone may call: deadlines, limits per client address
	// and, for custom sources, per source (see ingress).
	r.Group(func(r chi.Router) {
		r.Use(a.ingress.public...)
		r.With(a.ingress.perTarget).Post("/webhooks/custom/{integrationId}", a.customWebhook)
		r.Method(http.MethodPost, "/webhooks/gmail", a.gmailPushRoute)
		r.Get("/auth/google/callback", a.oauthCallback(providerGmail))
		r.Get("/auth/microsoft/callback", a.oauthCallback(providerOutlook))
		r.Method(http.MethodPost, "/webhooks/microsoft", a.graphRoute)
		r.Method(http.MethodPost, "/webhooks/microsoft/lifecycle", a.graphRoute)
	})
	r.Group(func(r chi.Router) {
		r.Use(a.ingress.bodyDeadline, a.auth.middleware, a.rateLimit)
		r.Get("/auth/google/authorize", a.oauthAuthorize(providerGmail))
		r.Get("/auth/microsoft/authorize", a.oauthAuthorize(providerOutlook))
		r.Get("/api/v1/integrations", a.listIntegrations)
		r.Post("/api/v1/integrations", a.createIntegration)
		r.Get("/api/v1/integrations/{id}", a.getIntegration)
		r.Put("/api/v1/integrations/{id}", a.updateIntegration)
		r.Delete("/api/v1/integrations/{id}", a.deleteIntegration)
		r.Post("/api/v1/integrations/{id}/test", a.testIntegration)
		r.Post("/api/v1/integrations/{id}/sync", a.syncIntegration)
		r.Post("/api/v1/integrations/{id}/rotate-secret", a.rotateSecret)
		r.Get("/api/v1/integrations/{id}/messages", a.listMessages)
		r.Post("/api/v1/integrations/{id}/messages", a.sendMessage)
		r.Get("/api/v1/integrations/{id}/messages/{messageID}", a.getMessage)
		r.Get("/api/v1/integrations/{id}/outbox/{outboxID}", a.getOutbox)
		r.Get("/api/v1/events", a.listEvents)
		r.Post("/api/v1/events/{id}/redeliver", a.redeliverEvent)
	})
}
