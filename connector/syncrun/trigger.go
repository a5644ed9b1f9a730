package syncrun

import (
	"context"
	"fmt"

	"github.com/ucsp/integration/queue"
)

// The job types a Runner handles. Their names are stable: jobs queued by
// one version are run by the next.
const (
	// JobSync syncs one integration (Trigger enqueues it).
	JobSync = "sync"
	// JobSweep triggers the sync of every active integration (Sweep),
	// periodically: see SweepSchedule.
	JobSweep = "sweep-sync"
)

// syncPayload is the payload of a JobSync job.
type syncPayload struct {
	TenantID      string `json:"tenant_id"`
	IntegrationID string `json:"integration_id"`
}

// Trigger enqueues a sync of the tenant's integration, coalesced with
// the others of the same integration (queue.Unique): a burst of triggers
// while none runs yields one pending job (the later ones are Duplicate),
// and triggers while one runs yield exactly one more run after it
// (FollowUp), so that news arriving during a sync is never lost. A
// trigger for an integration that is deleted, disabled or not synced
// costs one job that does nothing.
func (r *Runner) Trigger(ctx context.Context, tenant, integration string) (*queue.EnqueueResult, error) {
	if tenant == "" || integration == "" {
		return nil, fmt.Errorf("%w: Trigger: empty tenant or integration id", ErrInvalid)
	}
	return queue.EnqueueJSON(ctx, r.broker, JobSync, syncPayload{TenantID: tenant, IntegrationID: integration},
		queue.Unique("sync:"+integration), queue.MaxAttempts(r.maxAttempts))
}
