package serve

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Store is webhook.ReplayStore, declared here too so that this package
// does not import webhook.
type Store interface {
	Remember(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
	Forget(ctx context.Context, key string) error
}

// forgetTimeout bounds the Forget of a delivery whose handler failed.
const forgetTimeout = 5 * time.Second

// Once serves r with next unless store has seen key within ttl.
//
// A key seen before is acknowledged with 204 No Content and next is not
// called. When next fails (answers other than 2xx, or panics) the key is
// forgotten, so that the sender's retry is served. When the store fails
// the request gets 503 and next is not called: the sender retries later,
// and nothing is served twice.
func Once(w http.ResponseWriter, r *http.Request, store Store, key string, ttl time.Duration, logger *slog.Logger, next http.HandlerFunc) {
	ctx := r.Context()
	first, err := store.Remember(ctx, key, ttl)
	if err != nil {
		logger.LogAttrs(ctx, slog.LevelWarn, "webhook: replay store failed", slog.Any("error", err))
		Problem(w, http.StatusServiceUnavailable, "webhook: replay check unavailable")
		return
	}
	if !first {
		logger.LogAttrs(ctx, slog.LevelDebug, "webhook: duplicate delivery acknowledged")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rec := NewRecorder(w)
	served := false
	defer func() {
		if served && (rec.Status() == 0 || rec.Status()/100 == 2) {
			return
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), forgetTimeout)
		defer cancel()
		if err := store.Forget(fctx, key); err != nil {
			logger.LogAttrs(ctx, slog.LevelWarn, "webhook: could not forget a failed delivery; its retries will be acknowledged unserved until the key expires",
				slog.Any("error", err))
		}
	}()
	next(rec, r)
	served = true
}
