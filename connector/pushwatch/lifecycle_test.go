package pushwatch_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/pushwatch"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// TestLifecycle: reauthorizationRequired reauthorizes the subscription
// and syncs nothing; subscriptionRemoved makes a new subscription, with
// a new clientState, and syncs; missed syncs.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		o := e.integration(t, "acme", "outlook", "help@acme.example")
		e.m.Start(t.Context(), o)
		old := e.sub(t, o)

		require.NoError(t, e.m.Lifecycle(t.Context(), o.TenantID, o.ID, old.ID, webhook.GraphReauthorizationRequired))
		e.p.mu.Lock()
		require.Equal(t, []string{old.ID}, e.p.reauthorized)
		e.p.mu.Unlock()
		require.Empty(t, e.tr.got())

		require.NoError(t, e.m.Lifecycle(t.Context(), o.TenantID, o.ID, old.ID, webhook.GraphSubscriptionRemoved))
		reqs := e.p.calls(o.ID)
		require.Len(t, reqs, 2)
		require.Nil(t, reqs[1].Current, "a new subscription")
		require.NotEqual(t, old.ClientState, reqs[1].ClientState)
		now := e.sub(t, o)
		require.NotEqual(t, old.ID, now.ID)
		require.Equal(t, e.p.reg(o.ID).ID, now.ID)
		require.Equal(t, reqs[1].ClientState, now.ClientState)
		require.Equal(t, []string{"acme/" + o.ID}, e.tr.got())

		require.NoError(t, e.m.Lifecycle(t.Context(), o.TenantID, o.ID, now.ID, webhook.GraphMissed))
		require.Len(t, e.tr.got(), 2)
		require.Len(t, e.p.calls(o.ID), 2)
	})
}

// TestLifecycleLeavesAlone: a lifecycle event of a disabled or deleted
// integration does nothing.
func TestLifecycleLeavesAlone(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	e := newEnv(t, b, pushwatch.Options{})
	o := e.integration(t, "acme", "outlook", "help@acme.example")
	e.m.Start(t.Context(), o)
	_, err := b.store.UpdateIntegration(t.Context(), o.TenantID, o.ID, func(in *store.Integration) error {
		in.Status = store.StatusDisabled
		return nil
	})
	require.NoError(t, err)
	built := e.p.connectors()
	for _, ev := range []webhook.GraphLifecycleEvent{webhook.GraphReauthorizationRequired, webhook.GraphSubscriptionRemoved, webhook.GraphMissed} {
		require.NoError(t, e.m.Lifecycle(t.Context(), o.TenantID, o.ID, "sub", ev))
		require.NoError(t, e.m.Lifecycle(t.Context(), o.TenantID, "no-such-integration", "sub", ev))
	}
	require.Equal(t, built, e.p.connectors())
	require.Empty(t, e.tr.got())
}

// TestLifecycleAuthFailure: a reauthorization refused for the
// integration's credentials marks it needs_reauth, announced once, and
// the job is not retried.
func TestLifecycleAuthFailure(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		o := e.integration(t, "acme", "outlook", "help@acme.example")
		e.m.Start(t.Context(), o)
		e.p.setFail(o.ID, connector.AuthError("fake: reauthorize", errInvalidGrant))
		for range 2 {
			err := e.m.Lifecycle(t.Context(), o.TenantID, o.ID, e.sub(t, o).ID, webhook.GraphReauthorizationRequired)
			require.ErrorIs(t, err, queue.ErrSkipRetry)
			require.ErrorIs(t, err, connector.ErrAuth)
		}
		status, events := e.status(t, o)
		require.Equal(t, store.StatusNeedsReauth, status)
		require.Equal(t, 1, events)
	})
}

// TestLifecycleJobPayload: a lifecycle job whose payload does not
// decode is not retried.
func TestLifecycleJobPayload(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	e := newEnv(t, b, pushwatch.Options{})
	err := e.m.HandleLifecycle(t.Context(), &queue.Job{Type: pushwatch.JobLifecycle, Payload: []byte("{")})
	require.ErrorIs(t, err, queue.ErrSkipRetry)
	require.Equal(t, "subscription-lifecycle", pushwatch.JobLifecycle)
}
