package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// Periodic connectivity tests: every HEALTH_CHECK_INTERVAL a worker
// enqueues one check-integration job per mailbox integration that is not
// disabled (unique per integration, so a slow provider's checks never
// pile up); each runs the connector's Test and records the outcome as
// the integration's health, as POST .../test does: an auth failure
// marks an active integration needs_reauth (with its event), a success
// brings a needs_reauth or error integration back to active.
const (
	jobCheckIntegrations = "check-integrations"
	jobCheckIntegration  = "check-integration"
)

// checkJob is the payload of a check-integration job.
type checkJob struct {
	TenantID      string `json:"tenant_id"`
	IntegrationID string `json:"integration_id"`
}

func (a *App) runCheckIntegrations(ctx context.Context, _ *queue.Job) error {
	_, err := a.enqueueChecks(ctx)
	return err
}

// enqueueChecks enqueues the check of every mailbox integration that is
// not disabled and returns how many.
func (a *App) enqueueChecks(ctx context.Context) (int, error) {
	n := 0
	err := a.eachIntegration(ctx, store.ListIntegrationsOptions{}, func(in *store.Integration) error {
		if in.Provider == providerCustom || in.Status == store.StatusDisabled {
			return nil
		}
		_, err := queue.EnqueueJSON(ctx, a.broker, jobCheckIntegration, checkJob{TenantID: in.TenantID, IntegrationID: in.ID},
			queue.Unique("check:"+in.ID), queue.MaxAttempts(1), queue.Timeout(a.cfg.ConnectorTestTimeout+a.cfg.ConnectorTestTimeout/2))
		if err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// runCheckIntegration tests one integration's connection and records
// the outcome.
func (a *App) runCheckIntegration(ctx context.Context, job *queue.Job) error {
	var p checkJob
	if err := job.Decode(&p); err != nil {
		return fmt.Errorf("%w: check payload: %w", queue.ErrSkipRetry, err)
	}
	in, err := a.store.GetIntegration(ctx, p.TenantID, p.IntegrationID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case in.Provider == providerCustom || in.Status == store.StatusDisabled:
		return nil
	}
	c, err := a.buildConnector(ctx, in)
	_, err = a.runTest(ctx, in, c, err)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted meanwhile
	}
	return err
}
