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
	return v.Handler(func(w http.ResponseWriter, r *http.Request, d Delivery, body []byte) {
		SetBody(r, body)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), deliveryKey{}, d)))
	})
}

// DeliveryHandlerFunc handles a verified delivery: d is what was
// verified and body the request's body, already read (r.Body is
// consumed) and checked against the signature.
type DeliveryHandlerFunc func(w http.ResponseWriter, r *http.Request, d Delivery, body []byte)

// Handler is Middleware for a handler that wants the verified delivery
// and body as arguments: the same verification, rejections and replay
// protection, without giving the body back to the request or the
// Delivery to its context (one copy and one request clone fewer, which
// tells at high rates).
func (v *Verifier) Handler(fn DeliveryHandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, body, err := v.VerifyRequest(r)
		if err != nil {
			reject(w, r, v.logger, err)
			return
		}
		if v.replay == nil {
			fn(w, r, d, body)
			return
		}
		serve.Once(w, r, v.replay, v.scope+d.ID, v.replayTTL, v.logger, func(w http.ResponseWriter, r *http.Request) {
			fn(w, r, d, body)
		})
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
