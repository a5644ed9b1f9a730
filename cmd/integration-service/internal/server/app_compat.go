package server

import (
	"net/http"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// The App methods below keep the files that are moving into library
// packages at the same time (the OAuth flow, sends, token refresh)
// compiling while their code still calls what moved into the handler
// types: each forwards to its new home. They go once those files call
// the new homes, or are gone.

// storeError: storeError(w, r, logger, err, what) in problem.go.
func (a *App) storeError(w http.ResponseWriter, r *http.Request, err error, what string) {
	storeError(w, r, a.logger, err, what)
}

// loadIntegration: loadIntegration(w, r, st, logger) in api_integrations.go.
func (a *App) loadIntegration(w http.ResponseWriter, r *http.Request) (*store.Integration, bool) {
	return loadIntegration(w, r, a.store, a.logger)
}

// allowSend: a.quotas
// (tenantQuotas, api_quota.go, on store/quota).
func (a *App) allowSend(w http.ResponseWriter, r *http.Request, in *store.Integration, msg *connector.OutboundMessage) bool {
	return a.quotas.allowSend(w, r, in, msg)
}
