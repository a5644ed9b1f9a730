package webhook

import (
	"errors"
	"net/http"

	"github.com/ucsp/integration/webhook/internal/serve"
)

// WriteError answers a request that failed verification with an RFC 9457
// application/problem+json body and the error's status (see StatusCode).
// The detail is the error's message for an *Error of status 4xx (which
// check failed, and how); the *Error's own message for one of status 5xx,
// whose cause is the server's business; and a generic text for any other
// error.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if errors.As(err, &e) {
		detail := err.Error()
		if e.status >= 500 {
			detail = e.msg
		}
		serve.Problem(w, e.status, detail)
		return
	}
	serve.Problem(w, http.StatusInternalServerError, "webhook: internal error")
}
