package pushwatch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/pushwatch"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

var errInvalidGrant = errors.New("invalid_grant")

// nopFailures records nothing.
type nopFailures struct{}

func (nopFailures) JobError(_ context.Context, _ *store.Integration, _ string, err error, _ syncrun.Scope) error {
	return err
}

func (nopFailures) MarkIntegration(context.Context, *store.Integration, store.IntegrationStatus, error) {
}

// TestRenewDueOnly: Renew renews the registrations that expire within
// RenewBefore and leaves the others alone: a day on, the Gmail watches
// made then (7 days) are renewed and the one made a day later is not;
// every Graph subscription (3 days) is, by PATCH (Current), keeping its
// id and clientState.
func TestRenewDueOnly(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		g1 := e.integration(t, "acme", "gmail", "a@acme.example")
		g2 := e.integration(t, "globex", "gmail", "b@globex.example")
		o := e.integration(t, "acme", "outlook", "help@acme.example")
		e.m.Start(t.Context(), g1)
		e.m.Start(t.Context(), g2)
		e.m.Start(t.Context(), o)
		before := e.sub(t, o)

		n, err := e.m.Renew(t.Context(), e.clock.now())
		require.NoError(t, err)
		require.Equal(t, 1, n, "the Graph subscription only")
		require.Len(t, e.p.calls(g1.ID), 1)

		e.clock.advance(24 * time.Hour)
		g3 := e.integration(t, "acme", "gmail", "c@acme.example")
		e.m.Start(t.Context(), g3)
		e.clock.advance(time.Hour)
		n, err = e.m.Renew(t.Context(), e.clock.now())
		require.NoError(t, err)
		require.Equal(t, 3, n)
		for _, in := range []*store.Integration{g1, g2} {
			reqs := e.p.calls(in.ID)
			require.Len(t, reqs, 2)
			require.NotNil(t, reqs[1].Current, "renewed")
			require.Equal(t, testTopic, reqs[1].Topic)
			require.True(t, e.sub(t, in).Expiry.Equal(e.clock.now().Add(7*24*time.Hour)))
		}
		require.Len(t, e.p.calls(g3.ID), 1, "made an hour ago: not due")

		reqs := e.p.calls(o.ID)
		require.Len(t, reqs, 3)
		require.Equal(t, before.ID, reqs[2].Current.ID)
		require.Equal(t, before.ClientState, reqs[2].ClientState)
		after := e.sub(t, o)
		require.Equal(t, before.ID, after.ID)
		require.Equal(t, before.ClientState, after.ClientState)
		require.True(t, after.Expiry.Equal(e.clock.now().Add(3*24*time.Hour)))
	})
}

// TestRenewExpired: a Graph subscription that expired is created anew
// (no Current), keeping its clientState.
func TestRenewExpired(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	e := newEnv(t, b, pushwatch.Options{})
	o := e.integration(t, "acme", "outlook", "help@acme.example")
	e.m.Start(t.Context(), o)
	before := e.sub(t, o)
	e.clock.advance(4 * 24 * time.Hour)
	n, err := e.m.Renew(t.Context(), e.clock.now())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	reqs := e.p.calls(o.ID)
	require.Nil(t, reqs[1].Current)
	after := e.sub(t, o)
	require.NotEqual(t, before.ID, after.ID)
	require.Equal(t, before.ClientState, after.ClientState)
}

// TestRenewAuthFailure: a renewal refused for the integration's
// credentials marks it needs_reauth with one event; the next round
// drops its registration without calling the provider, and announces
// nothing again. Another integration's renewal is not held up.
func TestRenewAuthFailure(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		bad := e.integration(t, "acme", "gmail", "a@acme.example")
		good := e.integration(t, "acme", "gmail", "b@acme.example")
		e.m.Start(t.Context(), bad)
		e.m.Start(t.Context(), good)
		e.p.setFail(bad.ID, connector.AuthError("fake: users.watch", errInvalidGrant))

		e.clock.advance(25 * time.Hour)
		n, err := e.m.Renew(t.Context(), e.clock.now())
		require.NoError(t, err)
		require.Equal(t, 1, n)
		status, events := e.status(t, bad)
		require.Equal(t, store.StatusNeedsReauth, status)
		require.Equal(t, 1, events)
		got, err := b.store.GetIntegration(t.Context(), bad.TenantID, bad.ID)
		require.NoError(t, err)
		require.Contains(t, got.LastError, "watch")
		require.Len(t, e.p.calls(bad.ID), 2)
		require.NotNil(t, e.sub(t, bad), "kept until the next round")

		e.clock.advance(time.Hour)
		n, err = e.m.Renew(t.Context(), e.clock.now())
		require.NoError(t, err)
		require.Zero(t, n)
		require.Nil(t, e.sub(t, bad), "dropped: made again after a sign-in")
		require.Len(t, e.p.calls(bad.ID), 2, "the provider is not asked again")
		_, events = e.status(t, bad)
		require.Equal(t, 1, events, "announced once")
		require.Len(t, e.p.calls(good.ID), 2)
	})
}

// TestRenewDropsGoneIntegrations: the registration of a disabled
// integration is dropped without calling the provider; so is, with it,
// that of a deleted one.
func TestRenewDropsGoneIntegrations(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		off := e.integration(t, "acme", "outlook", "off@acme.example")
		gone := e.integration(t, "acme", "outlook", "gone@acme.example")
		e.m.Start(t.Context(), off)
		e.m.Start(t.Context(), gone)
		_, err := b.store.UpdateIntegration(t.Context(), off.TenantID, off.ID, func(in *store.Integration) error {
			in.Status = store.StatusDisabled
			return nil
		})
		require.NoError(t, err)
		require.NoError(t, b.store.DeleteIntegration(t.Context(), gone.TenantID, gone.ID))

		n, err := e.m.Renew(t.Context(), e.clock.now())
		require.NoError(t, err)
		require.Zero(t, n)
		require.Nil(t, e.sub(t, off))
		require.Len(t, e.p.calls(off.ID), 1)
		require.Len(t, e.p.calls(gone.ID), 1)
	})
}

// TestRenewManyRounds: more registrations due than a page holds are all
// renewed in one call, each once, and a failing one is tried once,
// although Graph subscriptions are still due once renewed.
func TestRenewManyRounds(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	e := newEnv(t, b, pushwatch.Options{})
	var ins []*store.Integration
	for i := range 130 {
		in := e.integration(t, "acme", "outlook", "")
		ins = append(ins, in)
		if i%50 == 0 {
			e.p.setFail(in.ID, connector.TemporaryError("fake", context.DeadlineExceeded))
		}
		e.m.Start(t.Context(), in)
		e.clock.advance(time.Millisecond)
	}
	n, err := e.m.Renew(t.Context(), e.clock.now())
	require.NoError(t, err)
	require.Equal(t, 127, n)
	for i, in := range ins {
		require.Len(t, e.p.calls(in.ID), 2, "integration %d", i)
	}
}

// TestRenewJob: the renewal job runs Renew at Options.Now, and its
// schedule keeps the job's name.
func TestRenewJob(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	e := newEnv(t, b, pushwatch.Options{})
	o := e.integration(t, "acme", "outlook", "help@acme.example")
	e.m.Start(t.Context(), o)
	var mux queue.Mux
	e.m.Register(&mux)
	require.NoError(t, mux.ProcessJob(t.Context(), &queue.Job{Type: pushwatch.JobRenew}))
	require.Len(t, e.p.calls(o.ID), 2)

	p := e.m.RenewSchedule(time.Hour)
	require.Equal(t, "renew-watches", p.Name)
	require.Equal(t, "renew-watches", p.Type)
	require.Equal(t, time.Hour, p.Every)
}
