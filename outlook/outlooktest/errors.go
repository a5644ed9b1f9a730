package outlooktest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// The Graph error codes the server answers with, besides HTTP-specific
// ones (graph error resource, learn.microsoft.com/graph/errors).
const (
	// CodeSyncStateNotFound is the code of a 410 for an expired or
	// unknown delta token.
	CodeSyncStateNotFound = "syncStateNotFound"
	// CodeTooManyRequests is the code of a throttled call (429).
	CodeTooManyRequests = "TooManyRequests"
	// CodeServiceUnavailable is the code of a 503.
	CodeServiceUnavailable = "ServiceNotAvailable"
	// CodeItemNotFound is the code of a 404 for a missing item.
	CodeItemNotFound = "ErrorItemNotFound"
)

// graphError is Graph's error body:
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
type graphError struct {
	status     int
	code       string
	message    string
	retryAfter time.Duration
}

func (e graphError) Error() string { return strconv.Itoa(e.status) + " " + e.code + ": " + e.message }

func (e graphError) write(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	inner := map[string]string{
		"date":       time.Now().UTC().Format("2006-01-02T15:04:05"),
		"request-id": reqID,
	}
	if c := r.Header.Get("client-request-id"); c != "" {
		inner["client-request-id"] = c
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	} else if e.status == http.StatusTooManyRequests || e.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "0")
	}
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
	w.Header().Set("request-id", reqID)
	writeJSON(w, e.status, map[string]any{"error": map[string]any{"code": e.code, "message": e.message, "innerError": inner}})
}

func badRequest(msg string) graphError {
	return graphError{status: http.StatusBadRequest, code: "BadRequest", message: msg}
}

func notFound(what string) graphError {
	return graphError{status: http.StatusNotFound, code: CodeItemNotFound, message: "The specified object was not found in the store. (" + what + ")"}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
