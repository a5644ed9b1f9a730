package pushwatch

import (
	"context"
	"errors"
	"time"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// Renew renews the registrations due at now, of every tenant: those
// that expire within Options.RenewBefore (expired ones are made anew)
// and those whose creation failed, each once. It returns how many it
// renewed or made. A registration of an integration that is disabled
// or waiting for reauthorization is dropped (call Start when it is
// active again); one the provider refuses for the integration's
// credentials marks the integration needs_reauth (Failures); the
// others' failures are logged and left for the next round.
func (m *Manager) Renew(ctx context.Context, now time.Time) (int, error) {
	before := now.Add(m.renewBefore)
	renewed := 0
	seen := map[string]bool{}
	for {
		due, err := m.store.DueSubscriptions(ctx, before, renewBatch)
		if err != nil {
			return renewed, err
		}
		progress := false
		for _, sub := range due {
			if seen[sub.IntegrationID] {
				continue // done, or failed, this round: a failure's next chance is the next round
			}
			seen[sub.IntegrationID] = true
			progress = true
			ok, err := m.renewOne(ctx, sub, now)
			if err != nil {
				m.logger.WarnContext(ctx, "renewing a push registration failed", "integration_id", sub.IntegrationID, "error", err)
				continue
			}
			if ok {
				renewed++
			}
		}
		if !progress || len(due) < renewBatch {
			return renewed, nil
		}
	}
}

// renewOne renews sub's registration and reports whether it did, or
// drops it when its integration is gone, disabled or waiting for
// reauthorization.
func (m *Manager) renewOne(ctx context.Context, sub *store.Subscription, now time.Time) (bool, error) {
	in, err := m.store.GetIntegration(ctx, sub.TenantID, sub.IntegrationID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil // deleted with it
	case err != nil:
		return false, err
	case in.Status == store.StatusDisabled || in.Status == store.StatusNeedsReauth:
		return false, m.store.DeleteSubscription(ctx, in.TenantID, in.ID) // Start makes one when it is back
	}
	ok, err := m.watch(ctx, in, sub, now)
	if err != nil {
		return false, m.opts.Failures.JobError(ctx, in, "watch", err, syncrun.ScopeOperation)
	}
	return ok, nil
}

// HandleRenew is the handler of JobRenew jobs: it runs Renew at
// Options.Now. Register adds it to a queue.Mux.
func (m *Manager) HandleRenew(ctx context.Context, _ *queue.Job) error {
	_, err := m.Renew(ctx, m.opts.Now())
	return err
}

// RenewSchedule returns the schedule of the renewal for a worker's
// WorkerConfig.Periodic: a JobRenew job every period, one attempt (the
// next period's is the retry). Run it at least daily: a Gmail watch is
// renewed daily.
func (m *Manager) RenewSchedule(every time.Duration) queue.Periodic {
	return queue.Periodic{Name: JobRenew, Every: every, Type: JobRenew, Options: []queue.Option{queue.MaxAttempts(1)}}
}
