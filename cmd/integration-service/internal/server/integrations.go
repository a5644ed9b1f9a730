package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// listIntegrations: GET /api/v1/integrations?limit=&cursor=&provider=&status=
func (a *App) listIntegrations(w http.ResponseWriter, r *http.Request) {
	lo, ok := parseListOptions(w, r, "provider", "status")
	if !ok {
		return
	}
	q := r.URL.Query()
	opts := store.ListIntegrationsOptions{ListOptions: lo, Provider: q.Get("provider"), Status: store.IntegrationStatus(q.Get("status"))}
	var errs []fieldError
	if opts.Provider != "" && !knownProvider(opts.Provider) {
		errs = append(errs, fieldError{Field: "provider", Message: `must be one of "imap", "gmail", "outlook", "custom"`})
	}
	if opts.Status != "" && !opts.Status.Valid() {
		errs = append(errs, fieldError{Field: "status", Message: `must be one of "active", "disabled", "needs_reauth", "error"`})
	}
	if len(errs) > 0 {
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "invalid query parameters", errs...)
		return
	}
	page, err := a.store.ListIntegrations(r.Context(), TenantID(r.Context()), opts)
	if err != nil {
		a.storeError(w, r, err, "integration")
		return
	}
	writeJSON(w, http.StatusOK, newPage(page, a.integrationView))
}

// getIntegration: GET /api/v1/integrations/{id}
func (a *App) getIntegration(w http.ResponseWriter, r *http.Request) {
	if in, ok := a.loadIntegration(w, r); ok {
		writeJSON(w, http.StatusOK, a.integrationView(in))
	}
}

// createIntegration: POST /api/v1/integrations. A mailbox
// integration's first sync is enqueued at once.
func (a *App) createIntegration(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if !decodeJSON(w, r, a.cfg.MaxBodyBytes, &req) {
		return
	}
	name, errs := checkName(req.Name, nil)
	errs = a.checkProvider(req.Provider, errs)
	creds := req.Credentials.credentials()
	config, errs := a.checkConfig(r.Context(), "", req.Provider, req.Config, creds, errs)
	errs = a.checkSizes(config, req.Credentials, errs)
	if len(errs) > 0 {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the integration is not valid", errs...)
		return
	}
	if !a.allowIntegration(w, r) {
		return
	}
	var secret string
	if req.Provider == providerCustom {
		secret = newWebhookSecret()
		creds = connector.Credentials{AppSecret: secret}
	}
	in := &store.Integration{TenantID: TenantID(r.Context()), Provider: req.Provider, Name: name, Config: config}
	if err := a.store.CreateIntegration(r.Context(), in, creds); err != nil {
		a.storeError(w, r, err, "integration")
		return
	}
	a.custom.Forget(in.ID) // a delivery that came before it was remembered as unknown
	if in.Provider != providerCustom {
		// The first sync starts now, not at the next sweep or IDLE news;
		// should the enqueue fail, the sweep will.
		if _, err := a.syncs.Trigger(r.Context(), in.TenantID, in.ID); err != nil {
			a.logger.WarnContext(r.Context(), "enqueueing a new integration's first sync failed; the sweep will", "integration_id", in.ID, "error", err)
		}
	}
	v := a.integrationView(in)
	v.WebhookSecret = secret // shown once, here and on rotation
	w.Header().Set("Location", "/api/v1/integrations/"+in.ID)
	writeJSON(w, http.StatusCreated, v)
}

// updateIntegration: PUT /api/v1/integrations/{id}
func (a *App) updateIntegration(w http.ResponseWriter, r *http.Request) {
	cur, ok := a.loadIntegration(w, r)
	if !ok {
		return
	}
	var req updateRequest
	if !decodeJSON(w, r, a.cfg.MaxBodyBytes, &req) {
		return
	}
	name, errs := checkName(req.Name, nil)
	if req.Provider != "" && req.Provider != cur.Provider {
		errs = append(errs, fieldError{Field: "provider", Message: "cannot be changed; create another integration"})
	}
	status := store.IntegrationStatus(req.Status)
	if status != "" && status != store.StatusActive && status != store.StatusDisabled {
		errs = append(errs, fieldError{Field: "status", Message: `must be "active" or "disabled"`})
	}
	ctx, tenant := r.Context(), TenantID(r.Context())
	creds := req.Credentials.credentials()
	if req.Credentials == nil && cur.Provider != providerCustom {
		stored, err := a.store.Credentials(ctx, tenant, cur.ID)
		if err != nil {
			a.storeError(w, r, err, "integration")
			return
		}
		creds = stored
		// The stored credentials go only where they were given for: a
		// change of server, port, security or login needs them again.
		if moved := credentialTargetChanges(cur.Provider, cur.Config, req.Config, stored.Username); len(moved) > 0 && len(bytes.TrimSpace(req.Config)) > 0 {
			errs = append(errs, fieldError{Field: "credentials", Message: "are required to change " + strings.Join(moved, ", ") +
				": the stored credentials are sent only to the server, port, security and login they were given for"})
		}
	}
	config, errs := a.checkConfig(ctx, cur.ID, cur.Provider, req.Config, creds, errs)
	errs = a.checkSizes(config, req.Credentials, errs)
	if len(errs) > 0 {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the integration is not valid", errs...)
		return
	}
	if req.Credentials != nil {
		if err := a.store.SetCredentials(ctx, tenant, cur.ID, creds); err != nil {
			a.storeError(w, r, err, "integration")
			return
		}
	}
	in, err := a.store.UpdateIntegration(ctx, tenant, cur.ID, func(in *store.Integration) error {
		in.Name, in.Config = name, config
		if status != "" && status != in.Status {
			in.Status = status
			if status == store.StatusActive {
				in.LastError = ""
			}
		}
		return nil
	})
	a.custom.Forget(cur.ID)
	if err != nil {
		a.storeError(w, r, err, "integration")
		return
	}
	writeJSON(w, http.StatusOK, a.integrationView(in))
}

// deleteIntegration: DELETE /api/v1/integrations/{id}. A gmail
// integration's Google grant is revoked once it is deleted.
func (a *App) deleteIntegration(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !store.ValidID(id) {
		notFound(w, r, "integration")
		return
	}
	revokeGrant := a.grantRevoker(r.Context(), TenantID(r.Context()), id)
	a.unwatch(r.Context(), TenantID(r.Context()), id)
	err := a.store.DeleteIntegration(r.Context(), TenantID(r.Context()), id)
	a.custom.Forget(id)
	if err != nil {
		a.storeError(w, r, err, "integration")
		return
	}
	revokeGrant(r.Context())
	w.WriteHeader(http.StatusNoContent)
}

// loadIntegration reads the {id} integration of the request's tenant, or
// answers 404 (for a malformed id too, and for another tenant's).
func (a *App) loadIntegration(w http.ResponseWriter, r *http.Request) (*store.Integration, bool) {
	id := chi.URLParam(r, "id")
	if !store.ValidID(id) {
		notFound(w, r, "integration")
		return nil, false
	}
	in, err := a.store.GetIntegration(r.Context(), TenantID(r.Context()), id)
	if err != nil {
		a.storeError(w, r, err, "integration")
		return nil, false
	}
	return in, true
}

// storeError answers for a store error: 404, 409, 422, or a logged 500
// (503 when the store is unavailable, see internalError).
func (a *App) storeError(w http.ResponseWriter, r *http.Request, err error, what string) {
	var inv *store.InvalidError
	switch {
	case errors.Is(err, store.ErrNotFound):
		notFound(w, r, what)
	case errors.Is(err, store.ErrIdempotencyConflict):
		writeProblem(w, r, http.StatusConflict, probIdempotency, "the Idempotency-Key was used before with a different request")
	case errors.Is(err, store.ErrConflict):
		writeProblem(w, r, http.StatusConflict, probConflict, "the "+what+" changed meanwhile; retry")
	case errors.Is(err, store.ErrInvalidCursor):
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "invalid query parameters", fieldError{Field: "cursor", Message: "is not a cursor this server issued"})
	case errors.As(err, &inv):
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the request is not valid", fieldError{Field: inv.Field, Message: inv.Message})
	case errors.Is(err, r.Context().Err()) && r.Context().Err() != nil:
		writeProblem(w, r, http.StatusServiceUnavailable, probUnavailable, "the request was cancelled")
	default:
		internalError(w, r, a.logger, "store error", err)
	}
}

// eachIntegration calls fn for every integration of every tenant that
// opts selects, page by page.
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
