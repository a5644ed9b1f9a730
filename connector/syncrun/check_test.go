package syncrun_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// newChecks returns r's checks with opts.
func newChecks(t *testing.T, r *syncrun.Runner, opts syncrun.CheckOptions) *syncrun.Checks {
	t.Helper()
	c, err := r.Checks(opts)
	require.NoError(t, err)
	return c
}

// setStatus gives in status, and returns it as stored.
func setStatus(t *testing.T, st store.Store, in *store.Integration, status store.IntegrationStatus) *store.Integration {
	t.Helper()
	out, err := st.UpdateIntegration(t.Context(), in.TenantID, in.ID, func(cur *store.Integration) error {
		cur.Status, cur.LastError = status, "before"
		return nil
	})
	require.NoError(t, err)
	return out
}

// TestChecksRecordHealth: a failing test is recorded as failing health,
// counted, worded by Describe, the integration left active; refused
// credentials make it needs_reauth with one integration.needs_reauth
// event, stored and published, not repeated by the next failure; a
// passing test clears the failures and makes it active again.
func TestChecksRecordHealth(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			ctx := t.Context()
			mbs := newMailboxes(connectortest.MailboxOptions{Password: "right"})
			r, pub := newRunner(t, b, mbs, syncrun.Options{})
			c := newChecks(t, r, syncrun.CheckOptions{Describe: func(err error) string { return "described: " + err.Error() }})
			in := newIntegration(t, b.store, "memory")

			mbs.setPassword("right")
			mbs.of(in.ID).FailNext(connector.TemporaryError("connectortest: test", errors.New("connection reset")))
			res, err := c.Test(ctx, in)
			require.NoError(t, err)
			require.ErrorIs(t, res.Err, connector.ErrTemporary)
			require.Equal(t, store.StatusActive, res.Integration.Status, "a temporary failure leaves the integration active")
			require.Equal(t, "failing", res.Integration.Health.Status)
			require.Equal(t, 1, res.Integration.Health.ConsecutiveFailures)
			require.True(t, strings.HasPrefix(res.Integration.Health.Error, "described: "), res.Integration.Health.Error)
			require.False(t, res.Integration.Health.CheckedAt.IsZero())

			mbs.setPassword("wrong")
			for range 2 {
				res, err = c.Test(ctx, in)
				require.NoError(t, err)
				require.ErrorIs(t, res.Err, connector.ErrAuth)
				require.Equal(t, store.StatusNeedsReauth, res.Integration.Status)
				require.True(t, strings.HasPrefix(res.Integration.LastError, "described: "), res.Integration.LastError)
			}
			require.Equal(t, 3, res.Integration.Health.ConsecutiveFailures)
			require.Equal(t, 1, eventTypes(storedEvents(t, b.store, in))[syncrun.EventNeedsReauth], "needs_reauth stored once")
			require.Equal(t, map[string]int{syncrun.EventNeedsReauth: 1}, pub.types(), "and published once")

			mbs.setPassword("right")
			res, err = c.Test(ctx, in)
			require.NoError(t, err)
			require.NoError(t, res.Err)
			got, err := b.store.GetIntegration(ctx, in.TenantID, in.ID)
			require.NoError(t, err)
			require.Equal(t, store.StatusActive, got.Status, "a passing test ends needs_reauth")
			require.Empty(t, got.LastError)
			require.Equal(t, store.Health{Status: "ok", CheckedAt: got.Health.CheckedAt, Latency: got.Health.Latency}, got.Health)

			failed := setStatus(t, b.store, in, store.StatusError)
			res, err = c.Test(ctx, failed)
			require.NoError(t, err)
			require.Equal(t, store.StatusActive, res.Integration.Status, "and StatusError")
		})
	}
}

// TestChecksAuthFailureOfInactive: refused credentials mark only an
// active integration needs_reauth; a disabled one tested through the
// API keeps its status and announces nothing.
func TestChecksAuthFailureOfInactive(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	mbs := newMailboxes(connectortest.MailboxOptions{Password: "right"})
	r, pub := newRunner(t, b, mbs, syncrun.Options{})
	c := newChecks(t, r, syncrun.CheckOptions{})
	in := setStatus(t, b.store, newIntegration(t, b.store, "memory"), store.StatusDisabled)
	res, err := c.Test(t.Context(), in)
	require.NoError(t, err)
	require.ErrorIs(t, res.Err, connector.ErrAuth)
	require.Equal(t, store.StatusDisabled, res.Integration.Status)
	require.Equal(t, "failing", res.Integration.Health.Status)
	require.Equal(t, res.Err.Error(), res.Integration.Health.Error, "without Describe, the error as it is")
	require.Empty(t, pub.types())
}

// TestChecksConnectFailure: a connector that cannot be built fails the
// test, recorded like any other failure; a test that outlasts Timeout
// fails with the deadline.
func TestChecksConnectFailure(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	refused := errors.New("the host is not allowed")
	mbs := newMailboxes(connectortest.MailboxOptions{})
	r, _ := newRunner(t, b, mbs, syncrun.Options{Connect: func(ctx context.Context, in *store.Integration) (connector.Connector, error) {
		if in.Name == "refused" {
			return nil, connector.PermanentError("connect", refused)
		}
		return &blockingTest{Conn: mbs.of(in.ID).Connect(connector.Credentials{})}, nil
	}})
	c := newChecks(t, r, syncrun.CheckOptions{Timeout: 50 * time.Millisecond})

	in := &store.Integration{TenantID: "acme", Provider: "memory", Name: "refused"}
	require.NoError(t, b.store.CreateIntegration(t.Context(), in, connector.Credentials{}))
	res, err := c.Test(t.Context(), in)
	require.NoError(t, err)
	require.ErrorIs(t, res.Err, refused)
	require.Equal(t, "failing", res.Integration.Health.Status)

	slow := newIntegration(t, b.store, "memory")
	res, err = c.Test(t.Context(), slow)
	require.NoError(t, err)
	require.ErrorIs(t, res.Err, context.DeadlineExceeded, "the test is bounded by Timeout")
	require.Equal(t, 1, res.Integration.Health.ConsecutiveFailures)
}

// blockingTest is a connector whose Test waits for its context.
type blockingTest struct{ *connectortest.Conn }

func (c *blockingTest) Test(ctx context.Context) error {
	<-ctx.Done()
	return connector.TemporaryError("test", ctx.Err())
}

// TestChecksEnqueueAll: every integration of the providers synced that
// is not disabled gets one check job, however often the round runs;
// the jobs test and record; a check of a deleted, disabled or
// unsynced integration does nothing.
func TestChecksEnqueueAll(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			ctx := t.Context()
			mbs := newMailboxes(connectortest.MailboxOptions{})
			r, _ := newRunner(t, b, mbs, syncrun.Options{Providers: []string{"memory"}})
			c := newChecks(t, r, syncrun.CheckOptions{})
			active := newIntegration(t, b.store, "memory")
			reauth := setStatus(t, b.store, newIntegration(t, b.store, "memory"), store.StatusNeedsReauth)
			disabled := setStatus(t, b.store, newIntegration(t, b.store, "memory"), store.StatusDisabled)
			custom := newIntegration(t, b.store, "custom")

			n, err := c.EnqueueAll(ctx)
			require.NoError(t, err)
			require.Equal(t, 2, n, "the active and the needs_reauth integration")
			require.EqualValues(t, 2, pending(t, b.broker))
			require.NoError(t, c.HandleCheckAll(ctx, &queue.Job{Type: syncrun.JobCheckAll}))
			require.EqualValues(t, 2, pending(t, b.broker), "a check already pending is not enqueued twice")
			p := c.Schedule(time.Minute)
			require.Equal(t, syncrun.JobCheckAll, p.Type)
			require.Equal(t, time.Minute, p.Every)

			var mux queue.Mux
			c.Register(&mux)
			w, err := queue.NewWorker(b.broker, &mux, queue.WorkerConfig{Concurrency: 2, Logger: quiet()})
			require.NoError(t, err)
			wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
			done := make(chan error, 1)
			go func() { done <- w.Run(wctx) }()
			t.Cleanup(func() { stop(); <-done })
			require.Eventually(t, func() bool {
				a, err1 := b.store.GetIntegration(ctx, active.TenantID, active.ID)
				re, err2 := b.store.GetIntegration(ctx, reauth.TenantID, reauth.ID)
				return err1 == nil && err2 == nil && a.Health.Status == "ok" && re.Status == store.StatusActive
			}, 10*time.Second, 10*time.Millisecond, "the jobs tested both and recorded it")

			for _, in := range []*store.Integration{disabled, custom} {
				res, err := c.Check(ctx, in.TenantID, in.ID)
				require.NoError(t, err)
				require.Nil(t, res)
				got, err := b.store.GetIntegration(ctx, in.TenantID, in.ID)
				require.NoError(t, err)
				require.True(t, got.Health.CheckedAt.IsZero(), "%s is not tested", in.Provider)
			}
			require.NoError(t, b.store.DeleteIntegration(ctx, active.TenantID, active.ID))
			res, err := c.Check(ctx, active.TenantID, active.ID)
			require.NoError(t, err)
			require.Nil(t, res, "a deleted integration is not an error")
		})
	}
}

// TestChecksOptions: a negative timeout is refused, naming the field.
func TestChecksOptions(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t, backends()["memory"](t), newMailboxes(connectortest.MailboxOptions{}), syncrun.Options{})
	_, err := r.Checks(syncrun.CheckOptions{Timeout: -time.Second})
	require.ErrorIs(t, err, syncrun.ErrInvalid)
	require.ErrorContains(t, err, "CheckOptions.Timeout")
}
