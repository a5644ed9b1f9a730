package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/netguard"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/imap"
	"github.com/ucsp/integration/smtp"
	"github.com/ucsp/integration/store"
)

// integrationActions serves what a tenant asks of one of its
// integrations besides reading and changing it: POST
// /api/v1/integrations/{id}/test, .../sync and .../rotate-secret.
type integrationActions struct {
	store store.Store
	// syncs triggers syncs; checks tests connections (connector/syncrun).
	syncs  *syncrun.Runner
	checks *syncrun.Checks
	hosts  *hostGuard
	// publicBase is PUBLIC_BASE_URL.
	publicBase *url.URL
	logger     *slog.Logger
	// sourceChanged is told that a custom source's secret changed: its
	// verifier, cached, is forgotten.
	sourceChanged func(id string)
}

// testResult is the body of POST /api/v1/integrations/{id}/test.
type testResult struct {
	OK bool `json:"ok"`
	// Result classifies the outcome (see testClass).
	Result      string          `json:"result"`
	LatencyMS   float64         `json:"latency_ms"`
	Error       *testError      `json:"error,omitempty"`
	Integration integrationView `json:"integration"`
}

// testError is why a connectivity test failed.
type testError struct {
	// Kind is auth, rate_limited, temporary, permanent, not_found,
	// unsupported or unknown (see connector's error kinds).
	Kind string `json:"kind"`
	// Message says what failed; never what a server that did not greet
	// as a mail server sent (see testClass).
	Message string `json:"message"`
}

// test: POST /api/v1/integrations/{id}/test runs the
// provider's connectivity test now, bounded by CONNECTOR_TEST_TIMEOUT,
// records the outcome as the integration's health and returns it
// (syncrun.Checks.Test). An auth failure of an active integration marks
// it needs_reauth, with an integration.needs_reauth event in the same
// transaction. Servers the host guard refuses now (a DNS record changed
// since the config was accepted) are a 422, as at create and update.
func (h *integrationActions) test(w http.ResponseWriter, r *http.Request) {
	in, ok := loadIntegration(w, r, h.store, h.logger)
	if !ok {
		return
	}
	if in.Provider == providerCustom {
		writeProblem(w, r, http.StatusConflict, probConflict, "a custom source pushes its messages; there is no connection to test")
		return
	}
	ctx := r.Context()
	if errs := h.hosts.check(ctx, endpoints(in.Provider, in.Config)); len(errs) > 0 {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the integration's servers are not allowed", errs...)
		return
	}
	out, err := h.checks.Test(ctx, in)
	if err != nil {
		storeError(w, r, h.logger, err, "integration")
		return
	}
	class, msg := testClass(out.Err)
	res := testResult{OK: out.Err == nil, Result: class, LatencyMS: float64(out.Latency) / float64(time.Millisecond), Integration: viewIntegration(out.Integration, h.publicBase)}
	if out.Err != nil {
		res.Error = &testError{Kind: errorKind(out.Err), Message: msg}
	}
	writeJSON(w, http.StatusOK, res)
}

// describeTestError is the health a failed test records: testClass's
// message (syncrun.CheckOptions.Describe).
func describeTestError(err error) string {
	_, msg := testClass(err)
	return msg
}

// testClass classifies a connectivity test's error by how far it got,
// and says what failed without repeating anything a server sent unless
// it greeted as a mail server (a tenant names the host: the test must
// not read other services' banners). The classes are ok, dns,
// connect_refused, timeout, network, tls, not_imap, not_smtp (something
// else answered), busy (MAIL_MAX_CONNECTIONS_* are all in use), auth,
// and error (anything else: the server's or the provider's own answer).
func testClass(err error) (class, message string) {
	switch {
	case err == nil:
		return "ok", ""
	case errors.Is(err, imap.ErrNotIMAP):
		return "not_imap", "the server did not answer as an IMAP server"
	case errors.Is(err, smtp.ErrNotSMTP):
		return "not_smtp", "the server did not answer as an SMTP server"
	case errors.Is(err, netguard.ErrTooManyConnections):
		return "busy", "too many connections to the server are open already; try again later"
	case errors.Is(err, netguard.ErrInternalAddress):
		return "error", "the server's address is not public; this server does not connect to internal networks"
	case errors.Is(err, connector.ErrAuth):
		return "auth", err.Error()
	}
	switch connector.ReachOf(err) {
	case connector.ReachDNS:
		return "dns", "the server's host name did not resolve"
	case connector.ReachRefused:
		return "connect_refused", "nothing accepted the connection at the server's address and port"
	case connector.ReachTimeout:
		return "timeout", "the server did not accept the connection or did not answer in time"
	case connector.ReachNetwork:
		return "network", "the connection failed or was closed before the server answered"
	case connector.ReachTLS:
		return "tls", "the TLS handshake with the server failed (not a TLS port, or a certificate not trusted for this host name)"
	case connector.ReachProtocol:
		return "error", "the server did not answer as a mail server"
	}
	return "error", err.Error()
}

// errorKind names a connector error's kind.
func errorKind(err error) string {
	switch connector.KindOf(err) {
	case connector.ErrAuth:
		return "auth"
	case connector.ErrRateLimited:
		return "rate_limited"
	case connector.ErrTemporary:
		return "temporary"
	case connector.ErrPermanent:
		return "permanent"
	case connector.ErrNotFound:
		return "not_found"
	case connector.ErrUnsupported:
		return "unsupported"
	}
	return "unknown"
}

// syncAccepted is the body of a 202 from POST .../sync.
type syncAccepted struct {
	JobID string `json:"job_id"`
	// Duplicate: a sync of the integration was already pending, and this
	// request joined it. FollowUp: one was running, and one more run is
	// recorded to start after it.
	Duplicate bool `json:"duplicate"`
	FollowUp  bool `json:"follow_up"`
}

// sync: POST /api/v1/integrations/{id}/sync enqueues a sync,
// coalesced with any other pending sync of the integration.
func (h *integrationActions) sync(w http.ResponseWriter, r *http.Request) {
	in, ok := loadIntegration(w, r, h.store, h.logger)
	if !ok {
		return
	}
	switch {
	case in.Provider == providerCustom:
		writeProblem(w, r, http.StatusConflict, probConflict, "a custom source pushes its messages; there is nothing to sync")
		return
	case in.Status == store.StatusDisabled:
		writeProblem(w, r, http.StatusConflict, probConflict, "the integration is disabled; enable it first")
		return
	}
	res, err := h.syncs.Trigger(r.Context(), in.TenantID, in.ID)
	if err != nil {
		internalError(w, r, h.logger, "enqueue sync", err)
		return
	}
	writeJSON(w, http.StatusAccepted, syncAccepted{JobID: res.ID, Duplicate: res.Duplicate, FollowUp: res.FollowUp})
}

// rotateSecret: POST /api/v1/integrations/{id}/rotate-secret replaces a
// custom source's webhook secret and shows the new one, once.
func (h *integrationActions) rotateSecret(w http.ResponseWriter, r *http.Request) {
	in, ok := loadIntegration(w, r, h.store, h.logger)
	if !ok {
		return
	}
	if in.Provider != providerCustom {
		writeProblem(w, r, http.StatusConflict, probConflict, "only custom sources have a webhook secret")
		return
	}
	secret := newWebhookSecret()
	err := h.store.SetCredentials(r.Context(), in.TenantID, in.ID, connector.Credentials{AppSecret: secret})
	h.sourceChanged(in.ID)
	if err != nil {
		storeError(w, r, h.logger, err, "integration")
		return
	}
	v := viewIntegration(in, h.publicBase)
	v.WebhookSecret = secret
	writeJSON(w, http.StatusOK, v)
}
