package server

import (
	"net/http"

	"github.com/ucsp/integration/webhook"
)

// graphHandler returns POST /webhooks/microsoft and
// /webhooks/microsoft/lifecycle: Graph's validation handshake is
// answered, every notification's clientState is checked against its
// subscription's (sealed in the store) before anything is done, and
// each verified notification enqueues work (connector/pushwatch): a
// coalesced delta sync for a change, a lifecycle job for a lifecycle
// event. Graph gets its 202 as soon as the work is queued.
//
// Anyone can post here, so a request's cost is bounded: a collection of
// more than webhook.DefaultMaxGraphNotifications notifications is
// refused (413) before any lookup; the subscriptions of one are looked
// up in one query, each once, and not again to enqueue their work; and
// the made-up ones are charged to the sender's rate limit.
func (a *App) graphHandler() (http.Handler, error) {
	v, err := webhook.NewGraphVerifier(webhook.GraphOptions{
		Lookup: a.push.LookupGraph,
		OnUnknown: func(w http.ResponseWriter, r *http.Request, unknown int) bool {
			return a.ingress.chargeUnknown(w, r, unknown)
		},
		MaxBodyBytes: a.cfg.MaxBodyBytes,
		Logger:       a.logger,
	})
	if err != nil {
		return nil, err
	}
	return v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		batch, _ := webhook.GraphBatchFromContext(r.Context())
		if _, err := a.push.GraphNotifications(r.Context(), batch); err != nil {
			internalError(w, r, a.logger, "enqueueing the work of a Graph notification", err)
		}
	})), nil
}
