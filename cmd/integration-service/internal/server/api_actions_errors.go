package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/actionrun"
	"github.com/ucsp/integration/store"
)

// The problems of the folder and action routes.
const (
	// probNotSupported: the integration's provider cannot do what was
	// asked (a custom source has no folders and no mailbox to act on).
	probNotSupported = problemBase + "not-supported" // 422
	// probGone: the provider no longer has the message; the store marks
	// it deleted.
	probGone = problemBase + "gone" // 410
	// probNeedsReauth: the provider refused the integration's
	// credentials; the integration is marked needs_reauth.
	probNeedsReauth = problemBase + "needs-reauth" // 409
	// probProvider: the provider failed or refused (502), or asked to
	// wait (503 with Retry-After).
	probProvider = problemBase + "provider-error"
)

// actionError answers for an error of connector/actionrun. prefix is
// put before the action's field names (a batch's "action.").
func actionError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error, prefix string) {
	var ve *connector.ValidationError
	var nf *actionrun.MessagesNotFoundError
	var guard *guardError
	switch {
	case errors.As(err, &ve):
		errs := make([]fieldError, len(ve.Fields))
		for i, f := range ve.Fields {
			errs[i] = fieldError{Field: actionField(f.Field, prefix), Message: f.Message}
		}
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the action is not valid", errs...)
	case errors.As(err, &nf):
		writeProblem(w, r, http.StatusNotFound, probNotFound, "message not found: "+strings.Join(nf.IDs, ", "))
	case errors.Is(err, store.ErrNotFound):
		notFound(w, r, "integration")
	case errors.Is(err, actionrun.ErrNotSupported):
		writeProblem(w, r, http.StatusUnprocessableEntity, probNotSupported, err.Error())
	case errors.Is(err, actionrun.ErrDisabled):
		writeProblem(w, r, http.StatusConflict, probConflict, "the integration is disabled; enable it first")
	case errors.As(err, &guard):
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the integration's servers are not allowed", guard.fields...)
	case errors.Is(err, connector.ErrAuth):
		writeProblem(w, r, http.StatusConflict, probNeedsReauth, "the provider refused the integration's credentials; it is marked needs_reauth until they are renewed")
	case errors.Is(err, connector.ErrRateLimited):
		wait := max(connector.RetryAfter(err), time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		writeProblem(w, r, http.StatusServiceUnavailable, probProvider, "the provider asked to wait; retry after Retry-After")
	case errors.Is(err, connector.ErrUnsupported):
		writeProblem(w, r, http.StatusUnprocessableEntity, probNotSupported, err.Error())
	case errors.Is(err, connector.ErrPermanent), errors.Is(err, connector.ErrNotFound):
		writeProblem(w, r, http.StatusBadGateway, probProvider, "the provider refused the request: "+err.Error())
	case connector.KindOf(err) != nil:
		logger.WarnContext(r.Context(), "provider call failed", slog.String("request_id", RequestID(r.Context())), slog.Any("error", err))
		writeProblem(w, r, http.StatusBadGateway, probProvider, "the provider failed to answer; retry")
	default:
		storeError(w, r, logger, err, "message")
	}
}

// actionField names an action's field as the request did: prefix
// before the action's fields; "action" (the action asks for nothing) is
// the body of a one-message route.
func actionField(f, prefix string) string {
	switch {
	case strings.HasPrefix(f, "message_ids"):
		return f
	case f == "action" && prefix == "":
		return "body"
	case f == "action":
		return "action"
	}
	return prefix + f
}
