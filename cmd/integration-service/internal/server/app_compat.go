package server

import (
	"context"
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

// integrationView: viewIntegration(in, publicBase) in api_integration_view.go.
func (a *App) integrationView(in *store.Integration) integrationView {
	return viewIntegration(in, a.cfg.PublicBaseURL)
}

// allowIntegration, integrationQuota and allowSend: a.quotas
// (tenantQuotas, api_quota.go, on store/quota).
func (a *App) allowIntegration(w http.ResponseWriter, r *http.Request) bool {
	return a.quotas.allowIntegration(w, r)
}

func (a *App) integrationQuota(ctx context.Context, tenant string) error {
	return a.quotas.integration(ctx, tenant)
}

func (a *App) allowSend(w http.ResponseWriter, r *http.Request, in *store.Integration, msg *connector.OutboundMessage) bool {
	return a.quotas.allowSend(w, r, in, msg)
}

// eachIntegration calls fn for every integration of every tenant that
// opts selects, page by page (the dashboard reads one page; the
// sweep and the checks are connector/syncrun's).
func (a *App) eachIntegration(ctx context.Context, opts store.ListIntegrationsOptions, fn func(*store.Integration) error) error {
	opts.Limit = store.MaxLimit
	for {
		page, err := a.store.ScanIntegrations(ctx, opts)
		if err != nil {
			return err
		}
		for _, in := range page.Items {
			if err := fn(in); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		opts.Cursor = page.NextCursor
	}
}
