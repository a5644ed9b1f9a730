package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// integrationsAPI serves a tenant's integrations: GET and POST
// /api/v1/integrations, GET, PUT and DELETE /api/v1/integrations/{id}.
type integrationsAPI struct {
	store store.Store
	// input checks what a create or an update asks for.
	input  *integrationInput
	quotas *tenantQuotas
	// syncs starts a new mailbox's first sync.
	syncs *syncrun.Runner
	// publicBase is PUBLIC_BASE_URL; maxBody MAX_BODY_BYTES.
	publicBase *url.URL
	maxBody    int64
	logger     *slog.Logger
	// sourceChanged is told that the integration id was created, changed
	// or deleted: a custom source's verifier, cached, is forgotten.
	sourceChanged func(id string)
	// beforeDelete runs before the tenant's integration id is deleted
	// (its push registration ended, what revoking its grant needs read)
	// and returns what runs once it is (the grant revoked).
	beforeDelete func(ctx context.Context, tenant, id string) (afterDelete func(context.Context))
}

// list: GET /api/v1/integrations?limit=&cursor=&provider=&status=
func (h *integrationsAPI) list(w http.ResponseWriter, r *http.Request) {
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
	page, err := h.store.ListIntegrations(r.Context(), TenantID(r.Context()), opts)
	if err != nil {
		storeError(w, r, h.logger, err, "integration")
		return
	}
	writeJSON(w, http.StatusOK, newPage(page, h.view))
}

// get: GET /api/v1/integrations/{id}
func (h *integrationsAPI) get(w http.ResponseWriter, r *http.Request) {
	if in, ok := loadIntegration(w, r, h.store, h.logger); ok {
		writeJSON(w, http.StatusOK, h.view(in))
	}
}

// view shows in as the API does.
func (h *integrationsAPI) view(in *store.Integration) integrationView {
	return viewIntegration(in, h.publicBase)
}

// create: POST /api/v1/integrations. A mailbox integration's first
// sync is enqueued at once.
func (h *integrationsAPI) create(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if !decodeJSON(w, r, h.maxBody, &req) {
		return
	}
	name, errs := checkName(req.Name, nil)
	errs = h.input.checkProvider(req.Provider, errs)
	creds := req.Credentials.credentials()
	config, errs := h.input.checkConfig(r.Context(), "", req.Provider, req.Config, creds, errs)
	backfill, errs := checkBackfill(req.Backfill, req.Provider, store.Backfill{}, errs)
	errs = h.quotas.checkSizes(config, req.Credentials, errs)
	if len(errs) > 0 {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the integration is not valid", errs...)
		return
	}
	if !h.quotas.allowIntegration(w, r) {
		return
	}
	var secret string
	if req.Provider == providerCustom {
		secret = newWebhookSecret()
		creds = connector.Credentials{AppSecret: secret}
	}
	in := &store.Integration{TenantID: TenantID(r.Context()), Provider: req.Provider, Name: name, Config: config, Backfill: backfill}
	if err := h.store.CreateIntegration(r.Context(), in, creds); err != nil {
		storeError(w, r, h.logger, err, "integration")
		return
	}
	h.sourceChanged(in.ID) // a delivery that came before it was remembered as unknown
	if in.Provider != providerCustom {
		takeMark(r.Context(), h.syncs, h.logger, in)
		if marked, err := h.store.GetIntegration(r.Context(), in.TenantID, in.ID); err == nil {
			in = marked // as stored with its mark (or marked needs_reauth)
		}
		// The first sync starts now, not at the next sweep or IDLE news;
		// should the enqueue fail, the sweep will.
		if _, err := h.syncs.Trigger(r.Context(), in.TenantID, in.ID); err != nil {
			h.logger.WarnContext(r.Context(), "enqueueing a new integration's first sync failed; the sweep will", "integration_id", in.ID, "error", err)
		}
	}
	v := h.view(in)
	v.WebhookSecret = secret // shown once, here and on rotation
	w.Header().Set("Location", "/api/v1/integrations/"+in.ID)
	writeJSON(w, http.StatusCreated, v)
}

// update: PUT /api/v1/integrations/{id}
func (h *integrationsAPI) update(w http.ResponseWriter, r *http.Request) {
	cur, ok := loadIntegration(w, r, h.store, h.logger)
	if !ok {
		return
	}
	var req updateRequest
	if !decodeJSON(w, r, h.maxBody, &req) {
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
		stored, err := h.store.Credentials(ctx, tenant, cur.ID)
		if err != nil {
			storeError(w, r, h.logger, err, "integration")
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
	config, errs := h.input.checkConfig(ctx, cur.ID, cur.Provider, req.Config, creds, errs)
	_, errs = checkBackfill(req.Backfill, cur.Provider, cur.Backfill, errs)
	errs = h.quotas.checkSizes(config, req.Credentials, errs)
	if len(errs) > 0 {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the integration is not valid", errs...)
		return
	}
	if req.Credentials != nil {
		if err := h.store.SetCredentials(ctx, tenant, cur.ID, creds); err != nil {
			storeError(w, r, h.logger, err, "integration")
			return
		}
	}
	in, err := h.store.UpdateIntegration(ctx, tenant, cur.ID, func(in *store.Integration) error {
		in.Name, in.Config = name, config
		in.Backfill, _ = checkBackfill(req.Backfill, in.Provider, in.Backfill, nil) // checked above; the mark as stored now
		if status != "" && status != in.Status {
			in.Status = status
			if status == store.StatusActive {
				in.LastError = ""
			}
		}
		return nil
	})
	h.sourceChanged(cur.ID)
	if err != nil {
		storeError(w, r, h.logger, err, "integration")
		return
	}
	writeJSON(w, http.StatusOK, h.view(in))
}

// delete: DELETE /api/v1/integrations/{id}. What beforeDelete returns
// runs once the integration is deleted (a gmail integration's Google
// grant is revoked then).
func (h *integrationsAPI) delete(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !store.ValidID(id) {
		notFound(w, r, "integration")
		return
	}
	afterDelete := h.beforeDelete(r.Context(), TenantID(r.Context()), id)
	err := h.store.DeleteIntegration(r.Context(), TenantID(r.Context()), id)
	h.sourceChanged(id)
	if err != nil {
		storeError(w, r, h.logger, err, "integration")
		return
	}
	afterDelete(r.Context())
	w.WriteHeader(http.StatusNoContent)
}

// loadIntegration reads the {id} integration of the request's tenant
// from st, or answers 404 (for a malformed id too, and for another
// tenant's).
func loadIntegration(w http.ResponseWriter, r *http.Request, st store.Store, logger *slog.Logger) (*store.Integration, bool) {
	id := chi.URLParam(r, "id")
	if !store.ValidID(id) {
		notFound(w, r, "integration")
		return nil, false
	}
	in, err := st.GetIntegration(r.Context(), TenantID(r.Context()), id)
	if err != nil {
		storeError(w, r, logger, err, "integration")
		return nil, false
	}
	return in, true
}
