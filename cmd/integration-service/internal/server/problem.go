package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/ucsp/integration/store"
)

// problemBase starts the type URI of every problem this server writes.
const problemBase = "urn:ucsp:problem:"

// The problem types, by what went wrong. Clients switch on them.
const (
	probInvalidRequest  = problemBase + "invalid-request" // 400: malformed JSON, unknown or mistyped fields, bad parameters
	probValidation      = problemBase + "validation"      // 422: well-formed but invalid values
	probLoopGuard       = problemBase + "loop-guard"      // 422: an automated send the loop guard refuses
	probUnauthorized    = problemBase + "unauthorized"    // 401
	probForbidden       = problemBase + "forbidden"       // 403
	probNotFound        = problemBase + "not-found"       // 404
	probMethod          = problemBase + "method-not-allowed"
	probConflict        = problemBase + "conflict"             // 409
	probIdempotency     = problemBase + "idempotency-conflict" // 409: a key reused with another request
	probTooLarge        = problemBase + "body-too-large"       // 413
	probMediaType       = problemBase + "unsupported-media-type"
	probRateLimited     = problemBase + "rate-limited"   // 429 (written by package ratelimit)
	probInternal        = problemBase + "internal"       // 500
	probUnavailable     = problemBase + "unavailable"    // 503
	probNotConfigured   = problemBase + "not-configured" // 501/503: the feature needs configuration this server lacks
	probOAuthState      = problemBase + "oauth-state"    // 400: an OAuth callback's state is unknown, used or expired
	probOAuthDenied     = problemBase + "oauth-denied"   // 403: the user did not grant access
	probOAuthExchange   = problemBase + "oauth-exchange" // 400/502: the provider refused the code, or failed
	problemContentType  = "application/problem+json"
	headerRequestID     = "X-Request-Id"
	headerIdempotencyID = "Idempotency-Key"
)

// problem is an RFC 9457 problem details object. RequestID and Errors
// are extension members.
type problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []fieldError `json:"errors,omitempty"`
}

// fieldError is one problem of a request, by JSON path ("config.imap.host",
// "to[1]") or parameter name ("limit", "Idempotency-Key").
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// writeProblem answers with a problem. A 5xx detail is never the error
// that caused it: callers log that and pass a generic text.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, typ, detail string, errs ...fieldError) {
	writeProblemBody(w, status, newProblem(r, status, typ, detail, errs))
}

// newProblem is the problem of r's answer.
func newProblem(r *http.Request, status int, typ, detail string, errs []fieldError) problem {
	return problem{
		Type:      typ,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    detail,
		Instance:  r.URL.Path,
		RequestID: RequestID(r.Context()),
		Errors:    errs,
	}
}

// limitProblem is a problem naming the limit a request went beyond.
// Limit and Max are extension members.
type limitProblem struct {
	problem
	Limit string `json:"limit"`
	Max   int64  `json:"max"`
}

// writeLimitProblem answers with a problem naming limit and its max.
func writeLimitProblem(w http.ResponseWriter, r *http.Request, status int, typ, detail, limit string, limitMax int64, errs ...fieldError) {
	writeProblemBody(w, status, limitProblem{problem: newProblem(r, status, typ, detail, errs), Limit: limit, Max: limitMax})
}

// writeProblemBody writes p, a problem or one with extension members,
// as the answer.
func writeProblemBody(w http.ResponseWriter, status int, p any) {
	body, err := json.Marshal(p)
	if err != nil { // strings and ints only; cannot happen
		body = []byte(`{"type":"` + probInternal + `","title":"Internal Server Error","status":500}`)
	}
	h := w.Header()
	h.Set("Content-Type", problemContentType)
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// internalError logs err with the request id and answers 500 without
// saying what failed, or 503 with Retry-After when err says the store
// (store.ErrUnavailable) or Redis could not be reached (see unavailable).
func internalError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, msg string, err error) {
	if unavailable(err) {
		// PostgreSQL or Redis cannot be reached now: nothing happened, the
		// caller should retry.
		logger.WarnContext(r.Context(), msg+": backing service unavailable", slog.String("request_id", RequestID(r.Context())), slog.Any("error", err))
		w.Header().Set("Retry-After", "2")
		writeProblem(w, r, http.StatusServiceUnavailable, probUnavailable, "a backing service is unavailable for a moment; retry")
		return
	}
	logger.ErrorContext(r.Context(), msg, slog.String("request_id", RequestID(r.Context())), slog.Any("error", err))
	writeProblem(w, r, http.StatusInternalServerError, probInternal, "the server failed to handle the request; quote the request id when reporting it")
}

// storeError answers for a store error: 404, 409, 422, or a logged 500
// (503 when the store is unavailable, see internalError); what names
// the resource ("integration").
func storeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error, what string) {
	var inv *store.InvalidError
	switch {
	case errors.Is(err, store.ErrNotFound):
		notFound(w, r, what)
	case errors.Is(err, store.ErrIdempotencyConflict):
		writeProblem(w, r, http.StatusConflict, probIdempotency, "the Idempotency-Key was used before with a different request")
	case errors.Is(err, store.ErrConflict):
		writeProblem(w, r, http.StatusConflict, probConflict, "the "+what+" changed meanwhile; retry")
	case errors.Is(err, store.ErrInvalidCursor):
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "invalid query parameters", fieldError{Field: "cursor", Message: "is not a cursor this server issued"})
	case errors.As(err, &inv):
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the request is not valid", fieldError{Field: inv.Field, Message: inv.Message})
	case errors.Is(err, r.Context().Err()) && r.Context().Err() != nil:
		writeProblem(w, r, http.StatusServiceUnavailable, probUnavailable, "the request was cancelled")
	default:
		internalError(w, r, logger, "store error", err)
	}
}

// notFound answers 404 for a resource of the tenant that does not exist,
// or that exists for another tenant: the two are indistinguishable.
func notFound(w http.ResponseWriter, r *http.Request, what string) {
	writeProblem(w, r, http.StatusNotFound, probNotFound, what+" not found")
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"encoding the response failed"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
