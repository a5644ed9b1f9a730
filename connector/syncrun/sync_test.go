package syncrun_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// TestSyncCommitsBatchesWithTheirEventsOnce: a sync whose second batch
// fails to commit keeps the first batch and its events; the next run
// resumes after it, and in the end every message is stored once with
// one message.received event, and each run that reached the end has
// one sync.completed. What was stored was published, nothing else.
func TestSyncCommitsBatchesWithTheirEventsOnce(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			in := newIntegration(t, b.store, "memory")
			mbs := newMailboxes(connectortest.MailboxOptions{BatchSize: 2})
			mbs.deliver(t, in.ID, 5)
			errLost := errors.New("connection to the database lost")
			h := &hooked{Store: b.store, before: func(n int) error {
				if n == 2 {
					return errLost
				}
				return nil
			}}
			var batches []syncrun.BatchStats
			r, pub := newRunner(t, &backend{store: h, broker: b.broker}, mbs, syncrun.Options{
				Hooks: syncrun.Hooks{Batch: func(_ context.Context, _ *store.Integration, s syncrun.BatchStats) { batches = append(batches, s) }},
			})
			ctx := t.Context()

			s, err := r.Sync(ctx, in.TenantID, in.ID)
			require.ErrorIs(t, err, errLost)
			require.NotErrorIs(t, err, queue.ErrSkipRetry, "a store failure is retried")
			require.Equal(t, syncrun.Summary{Outcome: syncrun.OutcomeFailed, Batches: 1, Inserted: 2}, s)
			require.Equal(t, map[string]int{syncrun.EventMessageReceived: 2}, eventTypes(storedEvents(t, b.store, in)))
			require.Equal(t, map[string]int{syncrun.EventMessageReceived: 2}, pub.types())

			s, err = r.Sync(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.Equal(t, syncrun.Summary{Outcome: syncrun.OutcomeCompleted, Batches: 2, Inserted: 3}, s, "resumed after the committed batch")
			s, err = r.Sync(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.Equal(t, syncrun.Summary{Outcome: syncrun.OutcomeCompleted}, s, "nothing new")

			n, err := b.store.CountMessages(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.EqualValues(t, 5, n)
			events := storedEvents(t, b.store, in)
			require.Equal(t, map[string]int{syncrun.EventMessageReceived: 5, syncrun.EventSyncCompleted: 2}, eventTypes(events))
			require.Equal(t, eventTypes(events), pub.types(), "every stored event was published once")
			announced := map[string]bool{}
			for _, ev := range events {
				if ev.Type != syncrun.EventMessageReceived {
					continue
				}
				var data struct {
					TenantID string `json:"tenant_id"`
					syncrun.MessageReceivedData
				}
				require.NoError(t, json.Unmarshal(ev.Payload, &data))
				require.Equal(t, in.TenantID, data.TenantID, "the payload carries its tenant")
				require.Equal(t, in.ID, data.IntegrationID)
				require.False(t, announced[data.Message.ID], "message %s announced twice", data.Message.ID)
				announced[data.Message.ID] = true
				m, err := b.store.GetMessage(ctx, in.TenantID, in.ID, data.Message.ID)
				require.NoError(t, err, "the event names a stored message")
				require.Equal(t, m.Subject, data.Message.Subject)
			}
			require.Len(t, announced, 5)
			require.Len(t, batches, 3, "one Batch hook per committed batch")
			require.Equal(t, 2, batches[0].Inserted)
			require.Equal(t, 2, batches[0].Events)
		})
	}
}

// failingPolicy is DefaultEvents whose BatchEvents fails on its call
// number failOn.
type failingPolicy struct {
	syncrun.DefaultEvents
	calls  *int
	failOn int
}

var errPolicy = errors.New("policy failed")

func (p failingPolicy) BatchEvents(ctx context.Context, b *syncrun.BatchInfo) ([]*store.Event, error) {
	*p.calls++
	if *p.calls == p.failOn {
		return nil, errPolicy
	}
	return p.DefaultEvents.BatchEvents(ctx, b)
}

// TestBatchEventsCommitWithTheBatch: an EventPolicy that fails rolls its
// batch back, messages and cursor with it; the next run stores that
// batch and its events.
func TestBatchEventsCommitWithTheBatch(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			in := newIntegration(t, b.store, "memory")
			mbs := newMailboxes(connectortest.MailboxOptions{BatchSize: 2})
			mbs.deliver(t, in.ID, 4)
			calls := 0
			r, _ := newRunner(t, b, mbs, syncrun.Options{Events: failingPolicy{calls: &calls, failOn: 2}})
			ctx := t.Context()

			_, err := r.Sync(ctx, in.TenantID, in.ID)
			require.ErrorIs(t, err, errPolicy)
			n, err := b.store.CountMessages(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.EqualValues(t, 2, n, "the failed batch's messages were rolled back")
			require.Equal(t, map[string]int{syncrun.EventMessageReceived: 2}, eventTypes(storedEvents(t, b.store, in)))

			s, err := r.Sync(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.Equal(t, 2, s.Inserted, "the next run starts at the rolled-back batch")
			require.Equal(t, map[string]int{syncrun.EventMessageReceived: 4, syncrun.EventSyncCompleted: 1}, eventTypes(storedEvents(t, b.store, in)))
		})
	}
}

// TestStaleRunIsFenced: a run overtaken by another (which committed
// after the stale one read the cursor) ends quietly without writing:
// every message is stored and announced once, by the run that owns the
// work.
func TestStaleRunIsFenced(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			in := newIntegration(t, b.store, "memory")
			mbs := newMailboxes(connectortest.MailboxOptions{})
			mbs.deliver(t, in.ID, 3)
			current, currentPub := newRunner(t, b, mbs, syncrun.Options{})
			var overtaken syncrun.Summary
			h := &hooked{Store: b.store}
			h.before = func(n int) error {
				if n == 1 { // the stale run read the cursor; another runs to the end
					s, err := current.Sync(t.Context(), in.TenantID, in.ID)
					require.NoError(t, err)
					overtaken = s
				}
				return nil
			}
			stale, stalePub := newRunner(t, &backend{store: h, broker: b.broker}, mbs, syncrun.Options{})

			s, err := stale.Sync(t.Context(), in.TenantID, in.ID)
			require.NoError(t, err, "store.ErrConflict ends the stale run quietly")
			require.Equal(t, syncrun.OutcomeSuperseded, s.Outcome)
			require.Zero(t, s.Batches)
			require.Equal(t, syncrun.Summary{Outcome: syncrun.OutcomeCompleted, Batches: 1, Inserted: 3}, overtaken)
			require.Empty(t, stalePub.types(), "the stale run published nothing")
			require.Equal(t, map[string]int{syncrun.EventMessageReceived: 3, syncrun.EventSyncCompleted: 1}, currentPub.types())
			require.Equal(t, map[string]int{syncrun.EventMessageReceived: 3, syncrun.EventSyncCompleted: 1}, eventTypes(storedEvents(t, b.store, in)))
		})
	}
}

// TestDeletedIntegration: a sync of a deleted integration does nothing
// and succeeds, and so does one whose integration is deleted while it
// commits.
func TestDeletedIntegration(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			ctx := t.Context()
			mbs := newMailboxes(connectortest.MailboxOptions{BatchSize: 1})

			gone := newIntegration(t, b.store, "memory")
			require.NoError(t, b.store.DeleteIntegration(ctx, gone.TenantID, gone.ID))
			r, pub := newRunner(t, b, mbs, syncrun.Options{})
			s, err := r.Sync(ctx, gone.TenantID, gone.ID)
			require.NoError(t, err)
			require.Equal(t, syncrun.Summary{Outcome: syncrun.OutcomeDeleted}, s)
			require.Zero(t, mbs.built.Load(), "no connector built for a deleted integration")

			going := newIntegration(t, b.store, "memory")
			mbs.deliver(t, going.ID, 3)
			h := &hooked{Store: b.store, before: func(n int) error {
				if n == 2 {
					require.NoError(t, b.store.DeleteIntegration(ctx, going.TenantID, going.ID))
				}
				return nil
			}}
			r, _ = newRunner(t, &backend{store: h, broker: b.broker}, mbs, syncrun.Options{Publish: pub.add})
			s, err = r.Sync(ctx, going.TenantID, going.ID)
			require.NoError(t, err)
			require.Equal(t, syncrun.OutcomeDeleted, s.Outcome)
			require.Equal(t, 1, s.Batches)
			require.Equal(t, map[string]int{syncrun.EventMessageReceived: 1}, pub.types(), "no sync.completed for a sync that did not complete")
		})
	}
}

// TestDisabledAndUnsyncedIntegrations: a disabled integration, and one of
// a provider the Runner does not sync, are not synced: no connector is
// built, nothing is stored.
func TestDisabledAndUnsyncedIntegrations(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			ctx := t.Context()
			mbs := newMailboxes(connectortest.MailboxOptions{})
			r, pub := newRunner(t, b, mbs, syncrun.Options{Providers: []string{"memory"}})

			disabled := newIntegration(t, b.store, "memory")
			mbs.deliver(t, disabled.ID, 1)
			_, err := b.store.UpdateIntegration(ctx, disabled.TenantID, disabled.ID, func(in *store.Integration) error {
				in.Status = store.StatusDisabled
				return nil
			})
			require.NoError(t, err)
			s, err := r.Sync(ctx, disabled.TenantID, disabled.ID)
			require.NoError(t, err)
			require.Equal(t, syncrun.Summary{Outcome: syncrun.OutcomeDisabled}, s)

			custom := newIntegration(t, b.store, "custom")
			s, err = r.Sync(ctx, custom.TenantID, custom.ID)
			require.NoError(t, err)
			require.Equal(t, syncrun.Summary{Outcome: syncrun.OutcomeNotSynced}, s)

			require.Zero(t, mbs.built.Load())
			require.Empty(t, pub.types())
			n, err := b.store.CountMessages(ctx, disabled.TenantID, disabled.ID)
			require.NoError(t, err)
			require.Zero(t, n)
		})
	}
}

// TestHandleSyncBadPayload: a job whose payload is not a sync's is not
// retried.
func TestHandleSyncBadPayload(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	r, _ := newRunner(t, b, newMailboxes(connectortest.MailboxOptions{}), syncrun.Options{})
	err := r.HandleSync(t.Context(), &queue.Job{ID: "j1", Type: syncrun.JobSync, Payload: []byte(`[1]`)})
	require.ErrorIs(t, err, queue.ErrSkipRetry)
}
