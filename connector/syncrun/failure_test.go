package syncrun_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// TestAuthFailureMarksNeedsReauthOnce: a sync refused for its
// credentials marks the integration needs_reauth with one
// integration.needs_reauth event, stored and published, and is not
// retried; a second refusal announces nothing more.
func TestAuthFailureMarksNeedsReauthOnce(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			ctx := t.Context()
			in := newIntegration(t, b.store, "memory")
			mbs := newMailboxes(connectortest.MailboxOptions{Password: "right"})
			mbs.setPassword("wrong")
			r, pub := newRunner(t, b, mbs, syncrun.Options{})

			for range 2 {
				s, err := r.Sync(ctx, in.TenantID, in.ID)
				require.ErrorIs(t, err, connector.ErrAuth)
				require.ErrorIs(t, err, queue.ErrSkipRetry, "retrying cannot help until the user re-authorises")
				require.Equal(t, syncrun.OutcomeFailed, s.Outcome)
			}
			got, err := b.store.GetIntegration(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.Equal(t, store.StatusNeedsReauth, got.Status)
			require.Contains(t, got.LastError, "sync: ")
			events := storedEvents(t, b.store, in)
			require.Equal(t, map[string]int{syncrun.EventNeedsReauth: 1}, eventTypes(events), "announced once")
			require.Equal(t, map[string]int{syncrun.EventNeedsReauth: 1}, pub.types())
			require.JSONEq(t, `{"tenant_id":"acme","integration_id":"`+in.ID+`","provider":"memory","reason":`+quote(got.LastError)+`}`, string(events[0].Payload))

			// Re-authorised: the next sync works; the status is the API's
			// to set back.
			mbs.setPassword("right")
			s, err := r.Sync(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.Equal(t, syncrun.OutcomeCompleted, s.Outcome)
		})
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestJobErrorPolicy: what each kind of connector failure does to the
// job and to the integration.
func TestJobErrorPolicy(t *testing.T) {
	t.Parallel()
	cause := errors.New("cause")
	cases := map[string]struct {
		err        error
		scope      syncrun.Scope
		skipRetry  bool
		retryAfter time.Duration // 0: none
		status     store.IntegrationStatus
		events     map[string]int
	}{
		"auth": {err: connector.AuthError("op", cause), scope: syncrun.ScopeOperation, skipRetry: true,
			status: store.StatusNeedsReauth, events: map[string]int{syncrun.EventNeedsReauth: 1}},
		"rate limited": {err: connector.RateLimitedError("op", 30*time.Second, cause), scope: syncrun.ScopeIntegration,
			retryAfter: 30 * time.Second, status: store.StatusActive, events: map[string]int{}},
		"rate limited, no wait given": {err: connector.RateLimitedError("op", 0, cause), scope: syncrun.ScopeIntegration,
			retryAfter: time.Second, status: store.StatusActive, events: map[string]int{}},
		"permanent, the integration's": {err: connector.PermanentError("op", cause), scope: syncrun.ScopeIntegration, skipRetry: true,
			status: store.StatusError, events: map[string]int{syncrun.EventIntegrationError: 1}},
		"permanent, one operation's": {err: connector.PermanentError("op", cause), scope: syncrun.ScopeOperation, skipRetry: true,
			status: store.StatusActive, events: map[string]int{}},
		"unsupported": {err: connector.NewError(connector.ErrUnsupported, "op", cause), scope: syncrun.ScopeIntegration, skipRetry: true,
			status: store.StatusError, events: map[string]int{syncrun.EventIntegrationError: 1}},
		"temporary": {err: connector.TemporaryError("op", cause), scope: syncrun.ScopeIntegration,
			status: store.StatusActive, events: map[string]int{}},
		"not a connector's": {err: cause, scope: syncrun.ScopeIntegration,
			status: store.StatusActive, events: map[string]int{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := backends()["memory"](t)
			ctx := t.Context()
			in := newIntegration(t, b.store, "memory")
			r, pub := newRunner(t, b, newMailboxes(connectortest.MailboxOptions{}), syncrun.Options{})

			before := time.Now()
			err := r.JobError(ctx, in, "send", tc.err, tc.scope)
			require.ErrorIs(t, err, cause)
			require.ErrorContains(t, err, "send: ")
			require.Equal(t, tc.skipRetry, errors.Is(err, queue.ErrSkipRetry))
			var at *queue.RetryAtError
			if tc.retryAfter > 0 {
				require.ErrorAs(t, err, &at)
				require.WithinRange(t, at.At, before.Add(tc.retryAfter), time.Now().Add(tc.retryAfter))
			} else {
				require.False(t, errors.As(err, &at))
			}
			got, err := b.store.GetIntegration(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.Equal(t, tc.status, got.Status)
			require.Equal(t, tc.events, eventTypes(storedEvents(t, b.store, in)))
			require.Equal(t, tc.events, pub.types())
		})
	}
}

// TestMarkIntegrationLeavesDisabledAlone: a failure recorded on a
// disabled integration changes nothing and announces nothing, and one
// on a deleted integration is not an error.
func TestMarkIntegrationLeavesDisabledAlone(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	ctx := t.Context()
	in := newIntegration(t, b.store, "memory")
	_, err := b.store.UpdateIntegration(ctx, in.TenantID, in.ID, func(in *store.Integration) error {
		in.Status = store.StatusDisabled
		return nil
	})
	require.NoError(t, err)
	r, pub := newRunner(t, b, newMailboxes(connectortest.MailboxOptions{}), syncrun.Options{})
	r.MarkIntegration(ctx, in, store.StatusNeedsReauth, errors.New("refused"))
	got, err := b.store.GetIntegration(ctx, in.TenantID, in.ID)
	require.NoError(t, err)
	require.Equal(t, store.StatusDisabled, got.Status)
	require.Empty(t, got.LastError)
	require.Empty(t, storedEvents(t, b.store, in))
	require.Empty(t, pub.types())

	require.NoError(t, b.store.DeleteIntegration(ctx, in.TenantID, in.ID))
	r.MarkIntegration(context.WithoutCancel(ctx), in, store.StatusError, errors.New("gone"))
	require.Empty(t, pub.types())
}
