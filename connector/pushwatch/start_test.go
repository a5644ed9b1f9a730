package pushwatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/pushwatch"
	"github.com/ucsp/integration/store"
)

// TestStart: a Gmail integration gets a watch on the topic, an Outlook
// one a Graph subscription posting to the notification and lifecycle
// URLs with a clientState of its own; each is stored with the lower-case
// address its pushes name and the clientState sealed. An IMAP
// integration gets none, and nor does a provider whose option is empty.
func TestStart(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		g := e.integration(t, "acme", "gmail", "Support@Acme.example")
		o := e.integration(t, "acme", "outlook", "Help@Acme.example")
		o2 := e.integration(t, "acme", "outlook", "sales@acme.example")
		i := e.integration(t, "acme", "imap", "imap@acme.example")
		for _, in := range []*store.Integration{g, o, o2, i} {
			e.m.Start(t.Context(), in)
		}

		require.Equal(t, []connector.WatchRequest{{Topic: testTopic}}, e.p.calls(g.ID))
		sub := e.sub(t, g)
		require.Equal(t, "support@acme.example", sub.Address)
		require.Equal(t, "gmail", sub.Provider)
		require.Empty(t, sub.ID)
		require.Equal(t, "INBOX", sub.Resource)
		require.Equal(t, string(e.p.reg(g.ID).Cursor), sub.Cursor)
		require.True(t, sub.Expiry.Equal(e.clock.now().Add(7*24*time.Hour)), "%s", sub.Expiry)

		reqs := e.p.calls(o.ID)
		require.Len(t, reqs, 1)
		require.Equal(t, testNotifyURL, reqs[0].NotificationURL)
		require.Equal(t, testCycleURL, reqs[0].LifecycleURL)
		require.Nil(t, reqs[0].Current)
		require.GreaterOrEqual(t, len(reqs[0].ClientState), 32)
		sub = e.sub(t, o)
		require.Equal(t, e.p.reg(o.ID).ID, sub.ID)
		require.Equal(t, reqs[0].ClientState, sub.ClientState)
		require.Equal(t, "help@acme.example", sub.Address)
		require.NotEqual(t, reqs[0].ClientState, e.p.calls(o2.ID)[0].ClientState, "a clientState per subscription")

		require.Empty(t, e.p.calls(i.ID))
		require.Nil(t, e.sub(t, i))
	})
}

// TestStartWithoutProviderOptions: without GmailTopic nor
// GraphNotificationURL nothing is registered, and no connector is
// built.
func TestStartWithoutProviderOptions(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	e := newEnv(t, b, pushwatch.Options{})
	m, err := pushwatch.New(b.store, b.broker, pushwatch.Options{Connect: e.p.connect, Trigger: e.tr.trigger, Failures: nopFailures{}, Logger: quiet()})
	require.NoError(t, err)
	for _, p := range []string{"gmail", "outlook"} {
		in := e.integration(t, "acme", p, p+"@acme.example")
		m.Start(t.Context(), in)
		require.Nil(t, e.sub(t, in))
	}
	require.Zero(t, e.p.connectors())
}

// TestStartWithoutWatcher: a connector that is not a connector.Watcher
// gets no registration, and that is not a failure.
func TestStartWithoutWatcher(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	mb := connectortest.NewMailbox(connectortest.MailboxOptions{})
	e := newEnv(t, b, pushwatch.Options{Connect: func(context.Context, *store.Integration) (connector.Connector, error) {
		return mb.Connect(connector.Credentials{}), nil
	}})
	in := e.integration(t, "acme", "outlook", "help@acme.example")
	e.m.Start(t.Context(), in)
	require.Nil(t, e.sub(t, in))
	n, err := e.m.Renew(t.Context(), e.clock.now())
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestStartFailureIsRetried: a registration that fails at Start (the
// provider down) is recorded as due now, with no id nor clientState,
// and the next Renew creates it; the push addresses it names are known
// meanwhile.
func TestStartFailureIsRetried(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		o := e.integration(t, "acme", "outlook", "help@acme.example")
		g := e.integration(t, "acme", "gmail", "support@acme.example")
		down := connector.TemporaryError("fake: create subscription", context.DeadlineExceeded)
		e.p.setFail(o.ID, down)
		e.p.setFail(g.ID, down)
		e.m.Start(t.Context(), o)
		e.m.Start(t.Context(), g)
		for _, in := range []*store.Integration{o, g} {
			sub := e.sub(t, in)
			require.NotNil(t, sub, in.Provider)
			require.Empty(t, sub.ID)
			require.Empty(t, sub.ClientState)
			require.True(t, sub.Expiry.Equal(e.clock.now()), "due now: %s", sub.Expiry)
			status, _ := e.status(t, in)
			require.Equal(t, store.StatusActive, status)
		}
		require.Equal(t, "support@acme.example", e.sub(t, g).Address)

		// Still down: both tried once in the round, neither renewed.
		n, err := e.m.Renew(t.Context(), e.clock.now())
		require.NoError(t, err)
		require.Zero(t, n)
		require.Len(t, e.p.calls(o.ID), 2)

		e.p.setFail(o.ID, nil)
		e.p.setFail(g.ID, nil)
		e.clock.advance(time.Minute)
		n, err = e.m.Renew(t.Context(), e.clock.now())
		require.NoError(t, err)
		require.Equal(t, 2, n)
		reqs := e.p.calls(o.ID)
		require.Len(t, reqs, 3)
		require.Nil(t, reqs[2].Current, "a failed creation is created, not renewed")
		require.NotEmpty(t, reqs[2].ClientState)
		sub := e.sub(t, o)
		require.Equal(t, e.p.reg(o.ID).ID, sub.ID)
		require.Equal(t, reqs[2].ClientState, sub.ClientState)
		require.True(t, e.sub(t, g).Expiry.After(e.clock.now().Add(6*24*time.Hour)))

		// Nothing is due any more but the Graph subscription (3 days).
		n, err = e.m.Renew(t.Context(), e.clock.now())
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Len(t, e.p.calls(g.ID), 3)
	})
}

// TestStartAuthFailure: a provider that refuses the integration's
// credentials at Start marks it needs_reauth, announced once, and no
// registration is recorded.
func TestStartAuthFailure(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		in := e.integration(t, "acme", "outlook", "help@acme.example")
		e.p.setFail(in.ID, connector.AuthError("fake: create subscription", errInvalidGrant))
		e.m.Start(t.Context(), in)
		e.m.Start(t.Context(), in)
		status, events := e.status(t, in)
		require.Equal(t, store.StatusNeedsReauth, status)
		require.Equal(t, 1, events)
		require.Nil(t, e.sub(t, in))
		got, err := b.store.GetIntegration(t.Context(), in.TenantID, in.ID)
		require.NoError(t, err)
		require.True(t, strings.Contains(got.LastError, "invalid_grant"), got.LastError)
	})
}

// TestRemove: Remove deletes the integration's registration at its
// provider, as stored; an integration without one builds no connector.
func TestRemove(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		o := e.integration(t, "acme", "outlook", "help@acme.example")
		i := e.integration(t, "acme", "imap", "imap@acme.example")
		e.m.Start(t.Context(), o)
		id := e.p.reg(o.ID).ID
		built := e.p.connectors()
		e.m.Remove(t.Context(), i.TenantID, i.ID)
		e.m.Remove(t.Context(), "other-tenant", o.ID)
		require.Equal(t, built, e.p.connectors(), "nothing to remove: no connector")
		e.m.Remove(t.Context(), o.TenantID, o.ID)
		require.Nil(t, e.p.reg(o.ID))
		e.p.mu.Lock()
		require.Equal(t, []string{o.ID + ":" + id}, e.p.unwatched)
		e.p.mu.Unlock()
	})
}
