package syncrun_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// TestTriggerCoalesces: a burst of triggers yields one pending job;
// triggers while that job runs yield exactly one more run, which sees
// what arrived meanwhile.
func TestTriggerCoalesces(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			ctx := t.Context()
			in := newIntegration(t, b.store, "memory")
			mbs := newMailboxes(connectortest.MailboxOptions{})
			mbs.deliver(t, in.ID, 1)

			started, release := make(chan struct{}, 10), make(chan struct{})
			var runs atomic.Int32
			r, _ := newRunner(t, b, mbs, syncrun.Options{
				Connect: func(ctx context.Context, in *store.Integration) (connector.Connector, error) {
					if runs.Add(1) == 1 {
						started <- struct{}{}
						<-release
					}
					return mbs.connect(ctx, in)
				},
			})

			first, err := r.Trigger(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.False(t, first.Duplicate)
			for range 4 {
				res, err := r.Trigger(ctx, in.TenantID, in.ID)
				require.NoError(t, err)
				require.True(t, res.Duplicate, "a burst yields one pending job")
				require.Equal(t, first.ID, res.ID)
			}
			require.Equal(t, int64(1), pending(t, b.broker))

			var mux queue.Mux
			r.Register(&mux)
			w, err := queue.NewWorker(b.broker, &mux, queue.WorkerConfig{Concurrency: 4, Logger: quiet()})
			require.NoError(t, err)
			wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
			done := make(chan error, 1)
			go func() { done <- w.Run(wctx) }()
			t.Cleanup(func() { stop(); <-done })

			<-started // the sync runs; news arrives
			mbs.deliver(t, in.ID, 1)
			followUps := 0
			for range 3 {
				res, err := r.Trigger(ctx, in.TenantID, in.ID)
				require.NoError(t, err)
				if res.FollowUp {
					followUps++
				}
			}
			require.Equal(t, 1, followUps, "exactly one more run is recorded")
			close(release)

			require.Eventually(t, func() bool {
				n, err := b.store.CountMessages(ctx, in.TenantID, in.ID)
				return err == nil && n == 2 && runs.Load() == 2 && pending(t, b.broker) == 0
			}, 10*time.Second, 10*time.Millisecond, "the follow-up run stored the news")
			// The unique key is free again: the next trigger is a new job.
			res, err := r.Trigger(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.False(t, res.Duplicate, "nothing pending any more")
			require.Eventually(t, func() bool { return runs.Load() == 3 && pending(t, b.broker) == 0 },
				10*time.Second, 10*time.Millisecond)
		})
	}
}

// pending returns the jobs pending, running or scheduled on broker.
func pending(t *testing.T, broker queue.Broker) int64 {
	t.Helper()
	stats, err := broker.Stats(t.Context())
	require.NoError(t, err)
	var n int64
	for _, s := range stats {
		n += s.Pending + s.Active + s.Scheduled + s.Retry
	}
	return n
}

// TestTriggerRefusesEmptyIDs: a trigger naming no integration is an
// error, not a job.
func TestTriggerRefusesEmptyIDs(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	r, _ := newRunner(t, b, newMailboxes(connectortest.MailboxOptions{}), syncrun.Options{})
	_, err := r.Trigger(t.Context(), "acme", "")
	require.ErrorIs(t, err, syncrun.ErrInvalid)
	require.Zero(t, pending(t, b.broker))
}

// TestSweep: the sweep triggers the sync of every active integration of
// the providers synced, across tenants, and its triggers coalesce with
// those already pending.
func TestSweep(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			ctx := t.Context()
			r, _ := newRunner(t, b, newMailboxes(connectortest.MailboxOptions{}), syncrun.Options{Providers: []string{"memory", "imap"}})
			want := map[string]bool{}
			for range 3 {
				want[newIntegration(t, b.store, "memory").ID] = true
			}
			other := &store.Integration{TenantID: "globex", Provider: "imap", Name: "Sales"}
			require.NoError(t, b.store.CreateIntegration(ctx, other, connector.Credentials{}))
			want[other.ID] = true
			newIntegration(t, b.store, "custom") // not synced
			for _, status := range []store.IntegrationStatus{store.StatusDisabled, store.StatusNeedsReauth, store.StatusError} {
				in := newIntegration(t, b.store, "memory")
				_, err := b.store.UpdateIntegration(ctx, in.TenantID, in.ID, func(in *store.Integration) error {
					in.Status = status
					return nil
				})
				require.NoError(t, err)
			}

			n, err := r.Sweep(ctx)
			require.NoError(t, err)
			require.Equal(t, 4, n)
			require.EqualValues(t, 4, pending(t, b.broker), "one sync job per active synced integration")
			for id := range want {
				tenant := "acme"
				if id == other.ID {
					tenant = "globex"
				}
				res, err := r.Trigger(ctx, tenant, id)
				require.NoError(t, err)
				require.True(t, res.Duplicate, "the sweep enqueued %s's sync", id)
			}

			require.NoError(t, r.HandleSweep(ctx, &queue.Job{Type: syncrun.JobSweep}))
			require.EqualValues(t, 4, pending(t, b.broker), "a second sweep coalesces with the pending syncs")
			p := r.SweepSchedule(time.Minute)
			require.Equal(t, syncrun.JobSweep, p.Type)
			require.Equal(t, time.Minute, p.Every)
		})
	}
}
