package server

import (
	"context"
	"fmt"
	"log/slog"
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

// handlers are the server's HTTP handlers, by concern, each holding what
// it uses (built by New, see newHandlers).
type handlers struct {
	integrations *integrationsAPI    // api_integrations.go
	actions      *integrationActions // api_integration_actions.go
	messages     *messagesAPI        // api_messages.go
	folders      *foldersAPI         // api_folders.go
	msgActions   *actionsAPI         // api_actions.go
	send         *sendAPI            // api_send.go
	events       *eventsAPI          // api_events.go
	ops          *opsRoutes          // ops_routes.go
	// dashboard is nil without ADMIN_TOKEN (dashboard_routes.go).
	dashboard *dashboard
}

// Handler returns the HTTP routes of role: the health and metrics routes
// always (see opsRoutes), the API and its OpenAPI document unless role is
// RoleWorker, and the dashboard unless the admin listener serves it.
func (a *App) Handler(role Role) http.Handler {
	r := newRouter(a.logger, a.metrics, a.tracer != nil)
	a.http.ops.add(r, false)
	if role == RoleWorker {
		return r
	}
	r.Get("/openapi.json", serveOpenAPI)
	if a.cfg.AdminAddr == "" && a.http.dashboard != nil {
		a.http.dashboard.routes(r) // else on the admin listener only
	}
	a.apiRoutes(r)
	return r
}

// newRouter returns a router with the middleware every route has (request
// id, access log and metrics, span names when tracing) and problem
// answers for unknown routes and methods.
func newRouter(logger *slog.Logger, m *metrics, tracing bool) *chi.Mux {
	r := chi.NewRouter()
	r.Use(withRequestID, accessLog(logger, m))
	if tracing {
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
	h := a.http
	r.Group(func(r chi.Router) {
		r.Use(a.ingress.bodyDeadline, a.auth.middleware, a.rateLimit)
		r.Get("/auth/google/authorize", a.oauthAuthorize(providerGmail))
		r.Get("/auth/microsoft/authorize", a.oauthAuthorize(providerOutlook))
		r.Get("/api/v1/integrations", h.integrations.list)
		r.Post("/api/v1/integrations", h.integrations.create)
		r.Get("/api/v1/integrations/{id}", h.integrations.get)
		r.Put("/api/v1/integrations/{id}", h.integrations.update)
		r.Delete("/api/v1/integrations/{id}", h.integrations.delete)
		r.Post("/api/v1/integrations/{id}/test", h.actions.test)
		r.Post("/api/v1/integrations/{id}/sync", h.actions.sync)
		r.Post("/api/v1/integrations/{id}/rotate-secret", h.actions.rotateSecret)
		r.Get("/api/v1/integrations/{id}/messages", h.messages.list)
		r.Post("/api/v1/integrations/{id}/messages", h.send.send)
		r.Get("/api/v1/integrations/{id}/messages/{messageID}", h.messages.get)
		r.Get("/api/v1/integrations/{id}/folders", h.folders.list)
		r.Patch("/api/v1/integrations/{id}/messages/{messageID}", h.msgActions.patch)
		r.Post("/api/v1/integrations/{id}/messages/{messageID}/move", h.msgActions.move)
		r.Post("/api/v1/integrations/{id}/messages/actions", h.msgActions.batch)
		r.Get("/api/v1/integrations/{id}/outbox/{outboxID}", h.messages.getOutbox)
		r.Get("/api/v1/events", h.events.list)
		r.Post("/api/v1/events/{id}/redeliver", h.events.redeliver)
	})
}

// newHandlers builds the handlers of every concern from what New
// opened. The operations other files of the server still do as App
// methods (a push registration ended, an OAuth grant revoked, a custom
// source's verifier forgotten) are passed as functions.
func (a *App) newHandlers() error {
	dash, err := a.newDashboard()
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	lg, st := a.logger, a.store
	a.http = handlers{
		integrations: &integrationsAPI{
			store: st, quotas: a.quotas, syncs: a.syncs,
			input:      &integrationInput{registry: a.registry, hosts: a.hosts, folderTimeout: a.cfg.ConnectorTestTimeout, logger: lg},
			publicBase: a.cfg.PublicBaseURL, maxBody: a.cfg.MaxBodyBytes, logger: lg,
			sourceChanged: a.custom.Forget,
			beforeDelete: func(ctx context.Context, tenant, id string) func(context.Context) {
				revokeGrant := a.tokens.Revoker(ctx, tenant, id)
				a.push.Remove(ctx, tenant, id)
				return revokeGrant
			},
		},
		actions: &integrationActions{
			store: st, syncs: a.syncs, checks: a.checks, hosts: a.hosts,
			publicBase: a.cfg.PublicBaseURL, logger: lg, sourceChanged: a.custom.Forget,
		},
		messages:   &messagesAPI{store: st, logger: lg},
		folders:    &foldersAPI{runner: a.actions, logger: lg},
		msgActions: &actionsAPI{runner: a.actions, maxBody: a.cfg.MaxBodyBytes, logger: lg},
		send:       &sendAPI{store: st, sends: a.sends, quotas: a.quotas, maxBody: a.cfg.MaxSendBodyBytes, logger: lg},
		events:     &eventsAPI{store: st, outbox: a.events, logger: lg},
		ops: &opsRoutes{
			readiness: a.readiness, operator: operatorToken(a.cfg.AdminToken),
			stats: a.broker.Stats, metrics: a.metrics.handler(), logger: lg,
		},
		dashboard: dash,
	}
	return nil
}

// newDashboard returns the dashboard, or nil when ADMIN_TOKEN is not set
// (no dashboard).
func (a *App) newDashboard() (*dashboard, error) {
	if a.cfg.AdminToken == "" {
		return nil, nil
	}
	sessions, err := newDashboardSessions(a.cfg, a.rdb, a.now)
	if err != nil {
		return nil, err
	}
	limit, err := newSignInLimit(a.cfg, a.limiter, a.logger)
	if err != nil {
		return nil, err
	}
	return &dashboard{
		sessions: sessions, limitSignIn: limit, bodyDeadline: a.ingress.bodyDeadline,
		operator: operatorToken(a.cfg.AdminToken), secureCookies: a.cfg.PublicBaseURL.Scheme == "https",
		store: a.store, broker: a.broker, outbox: a.events, history: a.metrics.history,
		now: a.now, logger: a.logger,
	}, nil
}
