package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/netguard"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/imap"
	"github.com/ucsp/integration/smtp"
	"github.com/ucsp/integration/store"
)

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

// testIntegration: POST /api/v1/integrations/{id}/test runs the
// provider's connectivity test now, bounded by CONNECTOR_TEST_TIMEOUT,
// records the outcome as the integration's health and returns it. An
// auth failure of an active integration marks it needs_reauth, with an
// integration.needs_reauth event in the same transaction.
func (a *App) testIntegration(w http.ResponseWriter, r *http.Request) {
	in, ok := a.loadIntegration(w, r)
	if !ok {
		return
	}
	if in.Provider == providerCustom {
		writeProblem(w, r, http.StatusConflict, probConflict, "a custom source pushes its messages; there is no connection to test")
		return
	}
	ctx := r.Context()
	c, err := a.buildConnector(ctx, in)
	if errs := (*guardError)(nil); errors.As(err, &errs) {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the integration's servers are not allowed", errs.fields...)
		return
	}
	out, err := a.runTest(ctx, in, c, err)
	if err != nil {
		a.storeError(w, r, err, "integration")
		return
	}
	class, msg := testClass(out.err)
	res := testResult{OK: out.err == nil, Result: class, LatencyMS: float64(out.latency) / float64(time.Millisecond), Integration: a.integrationView(out.in)}
	if out.err != nil {
		res.Error = &testError{Kind: errorKind(out.err), Message: msg}
	}
	writeJSON(w, http.StatusOK, res)
}

// runTest runs c's connectivity test (c, buildErr: what buildConnector
// returned), bounded by CONNECTOR_TEST_TIMEOUT, and records the outcome
// as in's health; an auth failure of an active integration marks it
// needs_reauth with an integration.needs_reauth event in the same
// transaction. The error is the store's; the test's is in the outcome.
func (a *App) runTest(ctx context.Context, in *store.Integration, c connector.Connector, buildErr error) (*testOutcome, error) {
	testErr := buildErr
	start := time.Now()
	if buildErr == nil {
		tctx, cancel := context.WithTimeout(ctx, a.cfg.ConnectorTestTimeout)
		testErr = c.Test(tctx)
		cancel()
		closeConnector(c)
	}
	latency := time.Since(start)
	var announced []*store.Event
	out, err := a.store.UpdateIntegrationWithEvents(ctx, in.TenantID, in.ID, func(in *store.Integration) ([]*store.Event, error) {
		announced = nil
		before := in.Status
		recordTest(in, time.Now(), latency, testErr)
		if in.Status == store.StatusNeedsReauth && before != store.StatusNeedsReauth {
			ev, err := syncrun.ProblemEvent(in, eventNeedsReauth)
			if err != nil {
				return nil, err
			}
			announced = []*store.Event{ev}
		}
		return announced, nil
	})
	if err != nil {
		return nil, err
	}
	a.events.Enqueue(ctx, announced...)
	return &testOutcome{in: out, latency: latency, err: testErr}, nil
}

// testOutcome is a connectivity test's result: the integration with its
// health recorded, how long the test took and how it failed, if it did.
type testOutcome struct {
	in      *store.Integration
	latency time.Duration
	err     error
}

// recordTest stores a test's outcome as in's health; an auth failure
// marks the integration needs_reauth, a success clears that.
func recordTest(in *store.Integration, at time.Time, latency time.Duration, err error) {
	in.Health.CheckedAt, in.Health.Latency = at, latency
	if err == nil {
		in.Health.Status, in.Health.Error, in.Health.ConsecutiveFailures = "ok", "", 0
		if in.Status == store.StatusNeedsReauth || in.Status == store.StatusError {
			in.Status, in.LastError = store.StatusActive, ""
		}
		return
	}
	_, msg := testClass(err)
	in.Health.Status, in.Health.Error = "failing", msg
	in.Health.ConsecutiveFailures++
	if errors.Is(err, connector.ErrAuth) && in.Status == store.StatusActive {
		in.Status, in.LastError = store.StatusNeedsReauth, msg
	}
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

// syncIntegration: POST /api/v1/integrations/{id}/sync enqueues a sync,
// coalesced with any other pending sync of the integration.
func (a *App) syncIntegration(w http.ResponseWriter, r *http.Request) {
	in, ok := a.loadIntegration(w, r)
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
	res, err := a.syncs.Trigger(r.Context(), in.TenantID, in.ID)
	if err != nil {
		internalError(w, r, a.logger, "enqueue sync", err)
		return
	}
	writeJSON(w, http.StatusAccepted, syncAccepted{JobID: res.ID, Duplicate: res.Duplicate, FollowUp: res.FollowUp})
}

// rotateSecret: POST /api/v1/integrations/{id}/rotate-secret replaces a
// custom source's webhook secret and shows the new one, once.
func (a *App) rotateSecret(w http.ResponseWriter, r *http.Request) {
	in, ok := a.loadIntegration(w, r)
	if !ok {
		return
	}
	if in.Provider != providerCustom {
		writeProblem(w, r, http.StatusConflict, probConflict, "only custom sources have a webhook secret")
		return
	}
	secret := newWebhookSecret()
	err := a.store.SetCredentials(r.Context(), in.TenantID, in.ID, connector.Credentials{AppSecret: secret})
	a.custom.Forget(in.ID)
	if err != nil {
		a.storeError(w, r, err, "integration")
		return
	}
	v := a.integrationView(in)
	v.WebhookSecret = secret
	writeJSON(w, http.StatusOK, v)
}
