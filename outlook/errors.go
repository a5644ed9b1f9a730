package outlook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/oauthflow"
	"github.com/ucsp/integration/internal/retry"
)

// classify wraps err, which happened during op ("outlook: delta"), in a
// connector.Error of the right kind:
//
//	401                                   ErrAuth (after one forced refresh)
//	403                                   ErrAuth (consent or permission missing)
//	429                                   ErrRateLimited, with Retry-After
//	503, 504                              ErrTemporary, with Retry-After
//	404                                   ErrNotFound
//	408, 409, 412, 5xx, network failures  ErrTemporary
//	400, 410 and other 4xx                ErrPermanent
//	token endpoint: invalid_grant, AADSTS refusals ErrAuth; 429/5xx ErrTemporary
//
// Context errors are returned wrapped but unclassified, so that
// errors.Is(err, context.Canceled) holds.
func classify(op string, err error) error {
	if ok, e := oauthflow.Classified(op, err); ok {
		return e
	}
	if ok, e := oauthflow.RefreshFailed(op, err); ok {
		return e
	}
	var ae abs.ApiErrorable
	if errors.As(err, &ae) && ae.GetStatusCode() != 0 {
		e := connector.NewError(statusKind(ae.GetStatusCode()), op, &GraphError{err: err, Status: ae.GetStatusCode(), Code: graphCode(err), RequestID: header(ae, "request-id")})
		e.RetryAfter = retry.After(header(ae, "Retry-After"), time.Now())
		return e
	}
	return connector.NewError(connector.ErrTemporary, op, err)
}

// statusKind decides the kind of a Graph error from its HTTP status.
func statusKind(status int) error {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return connector.ErrAuth
	case status == http.StatusTooManyRequests:
		return connector.ErrRateLimited
	case status == http.StatusNotFound:
		return connector.ErrNotFound
	case status == http.StatusRequestTimeout || status == http.StatusConflict || status == http.StatusPreconditionFailed:
		return connector.ErrTemporary
	case status == http.StatusNotImplemented:
		return connector.ErrPermanent
	case status >= 500:
		return connector.ErrTemporary
	default:
		return connector.ErrPermanent
	}
}

// GraphError is a Microsoft Graph error response: the HTTP status and
// error.code, error.message and innerError.request-id of its body. A
// connector error wraps it; errors.As finds it, and the SDK's
// *odataerrors.ODataError it wraps.
type GraphError struct {
	Status    int
	Code      string
	RequestID string
	err       error
}

// Error formats e as "429 TooManyRequests: message (request-id ...)".
func (e *GraphError) Error() string {
	s := strconv.Itoa(e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if m := graphMessage(e.err); m != "" {
		s += ": " + m
	} else if t := http.StatusText(e.Status); t != "" {
		s += ": " + t
	}
	if e.RequestID != "" {
		s += " (request-id " + e.RequestID + ")"
	}
	return s
}

// Unwrap returns the SDK's error.
func (e *GraphError) Unwrap() error { return e.err }

func graphCode(err error) string {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) && oe.GetErrorEscaped() != nil && oe.GetErrorEscaped().GetCode() != nil {
		return *oe.GetErrorEscaped().GetCode()
	}
	return ""
}

func graphMessage(err error) string {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) && oe.GetErrorEscaped() != nil && oe.GetErrorEscaped().GetMessage() != nil {
		return *oe.GetErrorEscaped().GetMessage()
	}
	return ""
}

func header(ae abs.ApiErrorable, name string) string {
	h := ae.GetResponseHeaders()
	if h == nil {
		return ""
	}
	if v := h.Get(name); len(v) > 0 {
		return v[0]
	}
	if v := h.Get(strings.ToLower(name)); len(v) > 0 {
		return v[0]
	}
	return ""
}

// isSyncStateLost reports whether err says a delta link can no longer be
// used: 410 Gone, or error code syncStateNotFound (any case) or
// syncStateInvalid.
func isSyncStateLost(err error) bool {
	var ge *GraphError
	if !errors.As(err, &ge) {
		return false
	}
	return ge.Status == http.StatusGone || strings.EqualFold(ge.Code, "syncStateNotFound") || strings.EqualFold(ge.Code, "syncStateInvalid")
}

// StatusCode returns the HTTP status of the Graph error in err, or 0.
func StatusCode(err error) int {
	var ge *GraphError
	if errors.As(err, &ge) {
		return ge.Status
	}
	return 0
}
