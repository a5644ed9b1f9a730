package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/custom"
)

// customWebhook: POST /webhooks/custom/{integrationId}, served by the
// custom source (webhook/custom: verification with the integration's
// secret and replay protection before anything is read or stored,
// decoding, group commit with the message.received event); customAnswer
// writes its answer. An unknown id, and an integration that is not a
// custom source, are 404 alike: the caller has proved nothing yet, so it
// learns nothing about other ids; each costs the caller a request more
// of its rate limit (429 once it is spent).
func (a *App) customWebhook(w http.ResponseWriter, r *http.Request) {
	src, err := a.custom.Source(r.Context(), chi.URLParam(r, "integrationId"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Unknown ids cost their sender (they cost a query, once per id
		// and a few seconds).
		if a.ingress.chargeUnknown(w, r, 1) {
			notFound(w, r, "integration")
		}
		return
	case err != nil:
		internalError(w, r, a.logger, "loading a custom source", err)
		return
	}
	src.ServeHTTP(w, r)
}

// customAnswer answers a verified custom delivery (custom.Options.Respond):
// the stored message, or the problem of a refused delivery.
func (a *App) customAnswer(w http.ResponseWriter, r *http.Request, res *custom.Result, err error) {
	if err == nil {
		writeJSON(w, http.StatusOK, res)
		return
	}
	var ( // declared here, not above: errors.As's pointers escape (an allocation per delivery)
		de *custom.DecodeError
		ve *connector.ValidationError
	)
	switch {
	case errors.Is(err, custom.ErrNotJSON):
		writeProblem(w, r, http.StatusUnsupportedMediaType, probMediaType, "the body must be application/json")
	case errors.Is(err, custom.ErrDisabled):
		writeProblem(w, r, http.StatusConflict, probConflict, "the integration is disabled")
	case errors.As(err, &de):
		fe := fieldError{Field: "body", Message: "is empty; a JSON object is required"}
		if !errors.Is(de.Err, custom.ErrEmptyBody) {
			fe = describeJSONError(de.Err)
		}
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the body is not a valid JSON request", fe)
	case errors.As(err, &ve):
		errs := make([]fieldError, len(ve.Fields))
		for i, f := range ve.Fields {
			errs[i] = fieldError{Field: f.Field, Message: f.Message}
		}
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the message is not valid", errs...)
	case errors.Is(err, custom.ErrBusy):
		w.Header().Set("Retry-After", "1")
		writeProblem(w, r, http.StatusServiceUnavailable, probUnavailable, "the integration is busy; retry")
	default:
		storeError(w, r, a.logger, err, "integration")
	}
}

// replayStore returns where the webhook-ids of verified deliveries (custom
// sources, Pub/Sub pushes) are remembered: Redis in production mode,
// memory in embedded mode.
func (a *App) replayStore() webhook.ReplayStore {
	if a.rdb != nil {
		rs, err := webhook.NewRedisReplayStore(a.rdb, webhook.RedisReplayOptions{Prefix: a.cfg.RedisPrefix + ":webhook-replay"})
		if err == nil {
			return rs
		}
		a.logger.Error("webhook replay store: falling back to memory", "error", err)
	}
	return webhook.NewMemoryReplayStore()
}
