package gmail

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/api/googleapi"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/oauthflow"
	"github.com/ucsp/integration/internal/retry"
)

// The reasons (googleapi.Error.Errors[].Reason) that mean the call was
// throttled: back off and retry.
var rateLimitReasons = map[string]bool{
	"rateLimitExceeded":       true,
	"userRateLimitExceeded":   true,
	"quotaExceeded":           true,
	"dailyLimitExceeded":      true,
	"concurrentLimitExceeded": true,
}

// The 403 reasons that mean the grant does not allow the call: the user
// must authorise again (with the right account or scopes).
var authReasons = map[string]bool{
	"authError":               true,
	"insufficientPermissions": true,
	"forbidden":               true,
	"domainPolicy":            true,
}

// classify wraps err, which happened during op ("gmail: messages.get"),
// in a connector.Error of the right kind:
//
//	401                                     ErrAuth
//	403 rateLimitExceeded, userRateLimitExceeded, quota reasons
//	                                        ErrRateLimited (with Retry-After)
//	403 insufficientPermissions, forbidden  ErrAuth
//	429                                     ErrRateLimited (with Retry-After)
//	404                                     ErrNotFound
//	408, 409, 5xx, network failures         ErrTemporary
//	400 and other 4xx                       ErrPermanent
//	token endpoint: invalid_grant and other refusals ErrAuth, 429/5xx ErrTemporary
//
// Context errors are returned wrapped but unclassified, so that
// errors.Is(err, context.Canceled) holds and a cancellation is not
// mistaken for a provider failure.
func classify(op string, err error) error {
	if ok, e := oauthflow.Classified(op, err); ok {
		return e
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		e := connector.NewError(apiKind(ge), op, apiError{ge})
		e.RetryAfter = retry.AfterHeader(ge.Header, time.Now())
		return e
	}
	if ok, e := oauthflow.RefreshFailed(op, err); ok {
		return e
	}
	return connector.NewError(connector.ErrTemporary, op, err)
}

// apiKind decides the kind of a Gmail API error.
func apiKind(ge *googleapi.Error) error {
	switch c := ge.Code; {
	case c == http.StatusUnauthorized:
		return connector.ErrAuth
	case c == http.StatusTooManyRequests:
		return connector.ErrRateLimited
	case c == http.StatusForbidden:
		for _, it := range ge.Errors {
			if rateLimitReasons[it.Reason] {
				return connector.ErrRateLimited
			}
		}
		for _, it := range ge.Errors {
			if authReasons[it.Reason] {
				return connector.ErrAuth
			}
		}
		return connector.ErrPermanent
	case c == http.StatusNotFound:
		return connector.ErrNotFound
	case c == http.StatusRequestTimeout || c == http.StatusConflict || c == http.StatusTooEarly:
		return connector.ErrTemporary
	case c == http.StatusNotImplemented:
		return connector.ErrPermanent
	case c >= 500:
		return connector.ErrTemporary
	default:
		return connector.ErrPermanent
	}
}

// apiError shows a googleapi.Error as "403 userRateLimitExceeded: message"
// (without the response body the client's Error includes), and unwraps to
// it.
type apiError struct{ ge *googleapi.Error }

func (a apiError) Error() string {
	s := strconv.Itoa(a.ge.Code)
	if len(a.ge.Errors) > 0 && a.ge.Errors[0].Reason != "" {
		s += " " + a.ge.Errors[0].Reason
	}
	if a.ge.Message != "" {
		s += ": " + a.ge.Message
	} else if t := http.StatusText(a.ge.Code); t != "" {
		s += ": " + t
	}
	return s
}

func (a apiError) Unwrap() error { return a.ge }

// StatusCode returns the HTTP status of the Gmail API error in err, or 0
// when err holds none.
func StatusCode(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}
