package pubsub

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/internal/serve"
)

// pushKey is the context key of a verified push.
type pushKey struct{}

// verified is what Middleware puts in the context.
type verified struct {
	push   *Push
	claims *Claims
}

// PushFromContext returns the Push and the token's Claims that
// Verifier.Middleware verified for the request whose context is ctx.
func PushFromContext(ctx context.Context) (*Push, *Claims, bool) {
	v, ok := ctx.Value(pushKey{}).(verified)
	return v.push, v.claims, ok
}

// Middleware verifies each push request before passing it on; it is a
// func(http.Handler) http.Handler. A request that fails gets an RFC 9457
// problem+json answer (see the package's errors) and the next handler is
// not called. A verified request reaches next with its body intact and
// its Push in the context (see PushFromContext); any 2xx next answers
// acknowledges the message, anything else makes Pub/Sub push it again.
// With Options.Replay, a message id the subscription already served
// within ReplayTTL is acknowledged with 204 instead, and one whose
// handler failed is forgotten, so that its redelivery is served.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, err := v.VerifyAuthorization(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			v.reject(w, r, err)
			return
		}
		body, err := webhook.ReadBody(r, v.maxBody)
		if err != nil {
			v.reject(w, r, err)
			return
		}
		push, err := DecodePush(body)
		if err != nil {
			v.reject(w, r, err)
			return
		}
		webhook.SetBody(r, body)
		r = r.WithContext(context.WithValue(r.Context(), pushKey{}, verified{push: push, claims: claims}))
		if v.replay == nil {
			next.ServeHTTP(w, r)
			return
		}
		key := "pubsub:" + push.Subscription + ":" + push.Message.MessageID
		serve.Once(w, r, v.replay, key, v.replayTTL, v.logger, next.ServeHTTP)
	})
}

func (v *Verifier) reject(w http.ResponseWriter, r *http.Request, err error) {
	status := webhook.StatusCode(err)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	v.logger.LogAttrs(r.Context(), level, "pubsub: push rejected",
		slog.String("path", r.URL.Path), slog.Int("status", status), slog.String("error", err.Error()))
	webhook.WriteError(w, err)
}
