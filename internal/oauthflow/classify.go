package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

// Classified reports whether err is one a connector's classify need not
// read, and returns what classify returns for it: nil for nil, err
// itself when it is classified already (a *connector.Error), and a
// context error wrapped with op but left unclassified, so that
// errors.Is(err, context.Canceled) holds and a cancellation is not
// mistaken for a provider failure. ok is false for any other error: the
// provider's to classify.
func Classified(op string, err error) (ok bool, _ error) {
	if err == nil {
		return true, nil
	}
	if _, isClassified := errors.AsType[*connector.Error](err); isClassified {
		return true, err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true, fmt.Errorf("%s: %w", op, err)
	}
	return false, nil
}

// RefreshFailed reports whether err is a failed token refresh (an
// *oauth2.RetrieveError in its chain) and classifies it: the token
// endpoint refusing it (invalid_grant and the like) is an ErrAuth
// error, the endpoint failing (429, 5xx) an ErrTemporary one.
func RefreshFailed(op string, err error) (ok bool, _ error) {
	re, isRefresh := errors.AsType[*oauth2.RetrieveError](err)
	if !isRefresh {
		return false, nil
	}
	kind := connector.ErrAuth
	if re.Response != nil && (re.Response.StatusCode == http.StatusTooManyRequests || re.Response.StatusCode >= 500) {
		kind = connector.ErrTemporary
	}
	return true, connector.NewError(kind, op, fmt.Errorf("refreshing the OAuth 2.0 token: %w", err))
}
