package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// testResult is the body of POST /api/v1/integrations/{id}/test.
type testResult struct {
	OK          bool            `json:"ok"`
	LatencyMS   float64         `json:"latency_ms"`
	Error       *testError      `json:"error,omitempty"`
	Integration integrationView `json:"integration"`
}

// testError is why a connectivity test failed.
type testError struct {
	// Kind is auth, rate_limited, temporary, permanent, not_found,
	// unsupported or unknown (see connector's error kinds).
	Kind    string `json:"kind"`
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
	res := testResult{OK: out.err == nil, LatencyMS: float64(out.latency) / float64(time.Millisecond), Integration: a.integrationView(out.in)}
	if out.err != nil {
		res.Error = &testError{Kind: errorKind(out.err), Message: out.err.Error()}
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
			announced = []*store.Event{problemEvent(in, eventNeedsReauth)}
		}
		return announced, nil
	})
	if err != nil {
		return nil, err
	}
	a.enqueueEvents(ctx, announced...)
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
	in.Health.Status, in.Health.Error = "failing", err.Error()
	in.Health.ConsecutiveFailures++
	if errors.Is(err, connector.ErrAuth) && in.Status == store.StatusActive {
		in.Status, in.LastError = store.StatusNeedsReauth, err.Error()
	}
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
	res, err := a.enqueueSync(r.Context(), in.TenantID, in.ID)
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
	a.verifiers.forget(in.ID)
	if err != nil {
		a.storeError(w, r, err, "integration")
		return
	}
	v := a.integrationView(in)
	v.WebhookSecret = secret
	writeJSON(w, http.StatusOK, v)
}

// enqueueSync enqueues the sync job of an integration.
func (a *App) enqueueSync(ctx context.Context, tenant, id string) (*queue.EnqueueResult, error) {
	return queue.EnqueueJSON(ctx, a.broker, jobSync, syncJob{TenantID: tenant, IntegrationID: id},
		queue.Unique("sync:"+id), queue.MaxAttempts(syncMaxAttempts))
}
