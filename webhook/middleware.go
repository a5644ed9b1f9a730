package webhook

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/ucsp/integration/webhook/internal/serve"
)

// deliveryKey is the context key of a verified Delivery.
type deliveryKey struct{}

// DeliveryFromContext returns the Delivery that Verifier.Middleware
// verified for the request whose context is ctx.
func DeliveryFromContext(ctx context.Context) (Delivery, bool) {
	d, ok := ctx.Value(deliveryKey{}).(Delivery)
	return d, ok
}

// Middleware verifies each request before passing it on; it is a
// func(http.Handler) http.Handler. A request that fails gets an RFC 9457
// problem+json answer (401 for missing or wrong credentials, 413 for an
// oversized body) and the next handler is not called. A verified request
// reaches next with its body intact and its Delivery in the context (see
// DeliveryFromContext). With VerifierOptions.Replay, a delivery whose id
// was served within the TTL is acknowledged with 204 instead; one whose
// handler failed (not 2xx) is forgotten, so that its retry is served.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, body, err := v.VerifyRequest(r)
		if err != nil {
			reject(w, r, v.logger, err)
			return
		}
		SetBody(r, body)
		r = r.WithContext(context.WithValue(r.Context(), deliveryKey{}, d))
		if v.replay == nil {
			next.ServeHTTP(w, r)
			return
		}
		serve.Once(w, r, next, v.replay, v.scope+d.ID, v.replayTTL, v.logger)
	})
}

// reject logs a failed verification (which check, never the request's
// content) and answers it with WriteError.
func reject(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	status := StatusCode(err)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	logger.LogAttrs(r.Context(), level, "webhook: request rejected",
		slog.String("path", r.URL.Path), slog.Int("status", status), slog.String("error", err.Error()))
	WriteError(w, err)
}
