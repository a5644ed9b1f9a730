package gmailtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// The reasons Google puts in an error's errors[].reason, as the fake uses
// them.
const (
	ReasonRateLimitExceeded     = "rateLimitExceeded"
	ReasonUserRateLimitExceeded = "userRateLimitExceeded"
	ReasonBackendError          = "backendError"
	ReasonAuthError             = "authError"
	ReasonNotFound              = "notFound"
	ReasonInvalidArgument       = "invalidArgument"
	ReasonFailedPrecondition    = "failedPrecondition"
	ReasonForbidden             = "forbidden"
	ReasonInsufficientPerms     = "insufficientPermissions"
)

// apiError is one error answer: its status, reason and message.
type apiError struct {
	code       int
	reason     string
	message    string
	retryAfter time.Duration
}

// statusName is the google.rpc.Code name Google puts in error.status.
func statusName(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "ABORTED"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED"
	default:
		if code >= 500 {
			return "INTERNAL"
		}
		return "FAILED_PRECONDITION"
	}
}

// defaultReason is the reason Google gives for a status when nothing more
// specific applies.
func defaultReason(code int) string {
	switch code {
	case http.StatusUnauthorized:
		return ReasonAuthError
	case http.StatusForbidden:
		return ReasonForbidden
	case http.StatusNotFound:
		return ReasonNotFound
	case http.StatusTooManyRequests:
		return ReasonRateLimitExceeded
	case http.StatusBadRequest:
		return ReasonInvalidArgument
	default:
		return ReasonBackendError
	}
}

// defaultMessage is Google's wording for a status.
func defaultMessage(code int, reason string) string {
	switch {
	case code == http.StatusUnauthorized:
		return "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
	case code == http.StatusNotFound:
		return "Requested entity was not found."
	case reason == ReasonUserRateLimitExceeded || reason == ReasonRateLimitExceeded:
		return "User-rate limit exceeded."
	case code >= 500:
		return "Backend Error"
	default:
		return http.StatusText(code)
	}
}

func (e apiError) write(w http.ResponseWriter) {
	reason := e.reason
	if reason == "" {
		reason = defaultReason(e.code)
	}
	msg := e.message
	if msg == "" {
		msg = defaultMessage(e.code, reason)
	}
	domain := "global"
	if reason == ReasonRateLimitExceeded || reason == ReasonUserRateLimitExceeded {
		domain = "usageLimits"
	}
	item := wireErrorItem{Message: msg, Domain: domain, Reason: reason}
	if e.code == http.StatusUnauthorized {
		item.Location, item.LocationType = "Authorization", "header"
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	writeJSON(w, e.code, wireError{Error: wireErrorBody{Code: e.code, Message: msg, Errors: []wireErrorItem{item}, Status: statusName(e.code)}})
}

func badRequest(msg string) apiError {
	return apiError{code: http.StatusBadRequest, reason: ReasonInvalidArgument, message: msg}
}

func notFound() apiError { return apiError{code: http.StatusNotFound} }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Error makes an apiError an error, so that handlers can return it.
func (e apiError) Error() string { return statusName(e.code) + ": " + e.message }
