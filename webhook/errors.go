package webhook

import (
	"errors"
	"net/http"
)

// Error is the type of every verification error of this package and of
// webhook/pubsub: which check failed, and the HTTP status a middleware
// answers it with. The errors are sentinels (ErrInvalidSignature, ...),
// often wrapped with detail: match them with errors.Is, or get the
// status with errors.As or StatusCode. Their messages never contain a
// secret, a signature or a token.
type Error struct {
	msg    string
	status int
}

// NewError returns an Error with the given message and HTTP status (400,
// 401, 403, 408, 413, or 503 for a dependency that is down), for verifiers
// built on this package.
func NewError(status int, msg string) *Error { return &Error{msg: msg, status: status} }

// Error returns the message.
func (e *Error) Error() string { return e.msg }

// StatusCode returns the HTTP status a middleware answers the error with.
func (e *Error) StatusCode() int { return e.status }

// Verification errors. Missing or wrong credentials are 401, credentials
// valid but not ours 403, an oversized body 413, a body too slow to
// arrive 408 and an unparsable one 400.
var (
	// ErrMissingHeaders: a header the scheme needs is absent or empty
	// (webhook-id, webhook-timestamp, webhook-signature; Authorization).
	ErrMissingHeaders = NewError(http.StatusUnauthorized, "webhook: missing headers")
	// ErrMalformedHeaders: webhook-timestamp is not a decimal integer,
	// webhook-id is too long, or a header is repeated.
	ErrMalformedHeaders = NewError(http.StatusUnauthorized, "webhook: malformed headers")
	// ErrMalformedSignature: webhook-signature is not a list of
	// "version,signature" entries, a v1 signature is not base64 of 32
	// bytes, or the list is too long.
	ErrMalformedSignature = NewError(http.StatusUnauthorized, "webhook: malformed signature list")
	// ErrTimestampTooOld: webhook-timestamp is older than the tolerance.
	ErrTimestampTooOld = NewError(http.StatusUnauthorized, "webhook: timestamp too old")
	// ErrTimestampTooNew: webhook-timestamp is further in the future than
	// the tolerance.
	ErrTimestampTooNew = NewError(http.StatusUnauthorized, "webhook: timestamp too new")
	// ErrInvalidSignature: no v1 signature matches any secret.
	ErrInvalidSignature = NewError(http.StatusUnauthorized, "webhook: no matching signature")
	// ErrInvalidClientState: a Microsoft Graph notification's clientState
	// is not the one of its subscription.
	ErrInvalidClientState = NewError(http.StatusForbidden, "webhook: invalid clientState")
	// ErrBodyTooLarge: the body is larger than the verifier's limit.
	ErrBodyTooLarge = NewError(http.StatusRequestEntityTooLarge, "webhook: body too large")
	// ErrTooManyNotifications: a Microsoft Graph notification collection
	// holds more notifications than the verifier takes at once.
	ErrTooManyNotifications = NewError(http.StatusRequestEntityTooLarge, "webhook: too many notifications")
	// ErrBodyTimeout: the body did not arrive before the connection's
	// read deadline (a client sending slowly or not at all).
	ErrBodyTimeout = NewError(http.StatusRequestTimeout, "webhook: body timeout")
	// ErrMalformedBody: the body is not what the scheme sends (a Graph
	// notification collection, a Pub/Sub push envelope).
	ErrMalformedBody = NewError(http.StatusBadRequest, "webhook: malformed body")
)

// StatusCode returns the HTTP status for err: the one of the *Error it
// wraps, or 500 for any other error.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.status
	}
	return http.StatusInternalServerError
}
