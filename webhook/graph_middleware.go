package webhook

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/ucsp/integration/webhook/internal/serve"
)

// graphBatchKey is the context key of a verified GraphBatch.
type graphBatchKey struct{}

// GraphBatchFromContext returns the GraphBatch that GraphVerifier's
// Middleware verified for the request whose context is ctx.
func GraphBatchFromContext(ctx context.Context) (GraphBatch, bool) {
	b, ok := ctx.Value(graphBatchKey{}).(GraphBatch)
	return b, ok
}

// AnswerGraphValidation answers Microsoft Graph's validation request, sent
// when a subscription is created (to its notificationUrl and its
// lifecycleNotificationUrl): a request with a validationToken query
// parameter gets 200, text/plain, and the URL-decoded token as its body.
// It reports whether r was one; if not, it wrote nothing.
func AnswerGraphValidation(w http.ResponseWriter, r *http.Request) bool {
	tokens := r.URL.Query()["validationToken"]
	if len(tokens) == 0 || tokens[0] == "" {
		return false
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, tokens[0])
	return true
}

// Middleware serves Microsoft Graph's requests to a notification URL or a
// lifecycle notification URL; it is a func(http.Handler) http.Handler.
//
// A validation request is answered at once (see AnswerGraphValidation).
// A notification collection is verified (see Verify); a request that
// fails gets an RFC 9457 problem+json answer (403 for a wrong
// clientState, 400 for a malformed body, 413 for an oversized one or
// one of too many notifications, 408 for one too slow to arrive) and
// the next handler is not called. Notifications of unknown
// subscriptions are dropped, after GraphOptions.OnUnknown is told. A verified request reaches next with
// its body intact and its GraphBatch in the context (see
// GraphBatchFromContext); if next writes no status, the middleware
// answers 202 Accepted, as Graph expects. next should only queue the
// work: Graph wants an answer within 3 seconds. A collection whose
// notifications are all for unknown subscriptions is answered 202
// without calling next.
func (g *GraphVerifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if AnswerGraphValidation(w, r) {
			return
		}
		body, err := ReadBody(r, g.maxBody)
		if err != nil {
			reject(w, r, g.logger, err)
			return
		}
		batch, err := g.Verify(r.Context(), body)
		if err != nil {
			reject(w, r, g.logger, err)
			return
		}
		if batch.Unknown > 0 {
			g.logger.LogAttrs(r.Context(), slog.LevelInfo, "webhook: dropped Graph notifications for unknown subscriptions",
				slog.Int("count", batch.Unknown))
			if g.onUnknown != nil && !g.onUnknown(w, r, batch.UnknownSubscriptions) {
				return
			}
		}
		if len(batch.Notifications) == 0 {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		SetBody(r, body)
		r = r.WithContext(context.WithValue(r.Context(), graphBatchKey{}, batch))
		rec := serve.NewRecorder(w)
		next.ServeHTTP(rec, r)
		if rec.Status() == 0 {
			rec.WriteHeader(http.StatusAccepted)
		}
	})
}
