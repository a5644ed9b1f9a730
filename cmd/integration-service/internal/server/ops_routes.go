package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/health"
	"github.com/ucsp/integration/queue"
)

// opsRoutes serves operators and orchestrators: health, queue statistics
// and metrics.
type opsRoutes struct {
	// readiness holds the checks of the store and the queue.
	readiness *health.Registry
	operator  operatorToken
	// stats reads the queues' statistics (a broker's Stats).
	stats   func(context.Context) ([]queue.Stats, error)
	metrics http.Handler
	logger  *slog.Logger
}

// add adds the routes to r. Liveness and readiness are public and carry
// statuses only (a failing check's error text is replaced by a generic
// one). The detailed health report, the queue statistics and the
// metrics show internals (addresses, database names, job types,
// traffic): on the public listener they need the operator credential,
// ADMIN_TOKEN, as a bearer token — /health/detailed answers the
// readiness report without it, so that the seed's route keeps answering
// — and on the admin listener (ADMIN_ADDR, which the operator keeps on
// an internal network, admin) they are open.
func (o *opsRoutes) add(r chi.Router, admin bool) {
	r.Get("/health", o.readiness.ReadinessHandler().ServeHTTP)
	r.Get("/health/live", o.readiness.LivenessHandler().ServeHTTP)
	r.Get("/health/ready", o.readiness.ReadinessHandler().ServeHTTP)
	detailed, public := o.readiness.DetailedHandler(), o.readiness.ReadinessHandler()
	r.Get("/health/detailed", func(w http.ResponseWriter, r *http.Request) {
		if admin || o.operator.sentBy(r) {
			detailed.ServeHTTP(w, r)
			return
		}
		public.ServeHTTP(w, r)
	})
	r.Group(func(r chi.Router) {
		if !admin {
			r.Use(o.operator.only)
		}
		r.Get("/health/queue-stats", o.queueStats)
		r.Get("/metrics", o.metrics.ServeHTTP)
	})
}
