package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/ucsp/integration/connector/signin"
	"github.com/ucsp/integration/store"
)

// probOAuthMismatch: the account that signed in is not the mailbox the
// sign-in was started for (or Google does not vouch for its address).
const probOAuthMismatch = problemBase + "oauth-mailbox-mismatch" // 403

// oauthAuthorize returns GET /auth/{google,microsoft}/authorize for
// provider, which starts connecting a mailbox for the caller's tenant
// (signin.Flow.Start): a single-use state bound to the tenant and to the
// mailbox it names, expiring in 10 minutes. It redirects to the
// provider, or answers {"url","expires_at"} to a client that accepts
// JSON. Query: email (the mailbox that must sign in; required unless
// integration_id is given), name (of the integration to create),
// integration_id (to reauthorize an existing one: the mailbox is its
// address), return_url (where the browser goes back with the outcome;
// it must be under an entry of OAUTH_RETURN_URLS).
func (a *App) oauthAuthorize(provider string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		started, err := a.signin.Start(r.Context(), signin.StartRequest{
			Provider: provider, TenantID: TenantID(r.Context()), Email: q.Get("email"),
			IntegrationID: q.Get("integration_id"), Name: q.Get("name"), ReturnURL: q.Get("return_url"),
		})
		switch {
		case err != nil:
			a.oauthProblem(w, r, err)
		case acceptsJSON(r):
			writeJSON(w, http.StatusOK, started)
		default:
			http.Redirect(w, r, started.URL, http.StatusFound)
		}
	}
}

// oauthCallback returns GET /auth/{google,microsoft}/callback for
// provider, which finishes what oauthAuthorize started
// (signin.Flow.Finish): the tenant's integration of the mailbox that
// signed in, if it is the expected one, created (201) or given the new
// tokens (200); then its push registration starts and its first sync is
// enqueued (the Connected hook of oauth_setup.go). A refused sign-in gets a problem and creates
// and changes nothing. A sign-in started with a return_url sends the
// browser there instead (303), with the outcome in the query (status,
// provider, integration_id or error: the problem type's last part).
func (a *App) oauthCallback(provider string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := a.signin.Finish(r.Context(), provider, signin.CallbackFrom(r.URL.Query()))
		var fail *signin.Error
		switch {
		case errors.As(err, &fail) && fail.ReturnURL != nil:
			_, typ := oauthProblemType(err)
			if typ == probInternal {
				a.logger.ErrorContext(r.Context(), "connecting a signed-in mailbox failed", "provider", provider, "error", err)
			}
			http.Redirect(w, r, signin.WithOutcome(fail.ReturnURL, provider, "", strings.TrimPrefix(typ, problemBase)), http.StatusSeeOther)
		case err != nil:
			a.oauthProblem(w, r, err)
		case res.ReturnURL != nil:
			http.Redirect(w, r, signin.WithOutcome(res.ReturnURL, provider, res.Integration.ID, ""), http.StatusSeeOther)
		case res.Created:
			w.Header().Set("Location", "/api/v1/integrations/"+res.Integration.ID)
			writeJSON(w, http.StatusCreated, viewIntegration(res.Integration, a.cfg.PublicBaseURL))
		default:
			writeJSON(w, http.StatusOK, viewIntegration(res.Integration, a.cfg.PublicBaseURL))
		}
	}
}

// oauthProblem answers a sign-in the flow refused: its problem, the
// tenant quota's 429, or a store error as storeError answers it.
func (a *App) oauthProblem(w http.ResponseWriter, r *http.Request, err error) {
	var fail *signin.Error
	var quota *quotaExceeded
	status, typ := oauthProblemType(err)
	switch {
	case errors.As(err, &quota):
		quota.write(w, r)
	case !errors.As(err, &fail) || fail.Kind == nil:
		storeError(w, r, a.logger, err, "integration")
	case len(fail.Fields) > 0:
		errs := make([]fieldError, len(fail.Fields))
		for i, f := range fail.Fields {
			errs[i] = fieldError(f)
		}
		writeProblem(w, r, status, typ, "invalid query parameters", errs...)
	default:
		writeProblem(w, r, status, typ, fail.Detail)
	}
}

// oauthProblemType is the status and problem type of a refused
// sign-in; a store failure's is the type storeError would answer.
func oauthProblemType(err error) (int, string) {
	switch {
	case errors.Is(err, signin.ErrNotConfigured):
		return http.StatusNotImplemented, probNotConfigured
	case errors.Is(err, signin.ErrInvalid):
		return http.StatusBadRequest, probInvalidRequest
	case errors.Is(err, signin.ErrQuota):
		return http.StatusTooManyRequests, probQuota
	case errors.Is(err, signin.ErrState):
		return http.StatusBadRequest, probOAuthState
	case errors.Is(err, signin.ErrDenied):
		return http.StatusForbidden, probOAuthDenied
	case errors.Is(err, signin.ErrRefused):
		return http.StatusBadRequest, probOAuthExchange
	case errors.Is(err, signin.ErrExchange):
		return http.StatusBadGateway, probOAuthExchange
	case errors.Is(err, signin.ErrMismatch):
		return http.StatusForbidden, probOAuthMismatch
	case errors.Is(err, signin.ErrConflict), errors.Is(err, store.ErrConflict):
		return http.StatusConflict, probConflict
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, probNotFound
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, probUnavailable
	}
	return http.StatusInternalServerError, probInternal
}

// acceptsJSON reports whether r asks for JSON rather than a redirect.
func acceptsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}
