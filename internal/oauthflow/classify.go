package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

// Classified returns what a connector's classify returns for an error it
// need not read: nil for nil, err itself when it is classified already
// (a *connector.Error), and a context error wrapped with op but left
// unclassified, so that errors.Is(err, context.Canceled) holds and a
// cancellation is not mistaken for a provider failure. ok is false for
// any other error: the provider's to classify.
func Classified(op string, err error) (_ error, ok bool) {
	if err == nil {
		return nil, true
	}
	if _, isClassified := errors.AsType[*connector.Error](err); isClassified {
		return err, true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err), true
	}
	return nil, false
}

// RefreshFailed classifies a failed token refresh, an
// *oauth2.RetrieveError in err's chain: the token endpoint refusing it
// (invalid_grant and the like) is an ErrAuth error, the endpoint
// failing (429, 5xx) an ErrTemporary one. ok is false when err holds no
// RetrieveError.
func RefreshFailed(op string, err error) (_ error, ok bool) {
	re, isRefresh := errors.AsType[*oauth2.RetrieveError](err)
	if !isRefresh {
		return nil, false
	}
	kind := connector.ErrAuth
	if re.Response != nil && (re.Response.StatusCode == http.StatusTooManyRequests || re.Response.StatusCode >= 500) {
		kind = connector.ErrTemporary
	}
	return connector.NewError(kind, op, fmt.Errorf("refreshing the OAuth 2.0 token: %w", err)), true
}
