package pushwatch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/pushwatch"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// graphRoute is a notification URL as a deployment serves it: a
// webhook.GraphVerifier looking subscriptions up with LookupGraph, in
// front of GraphNotifications.
func graphRoute(t *testing.T, m *pushwatch.Manager) http.Handler {
	t.Helper()
	v, err := webhook.NewGraphVerifier(webhook.GraphOptions{Lookup: m.LookupGraph, Logger: quiet()})
	require.NoError(t, err)
	return v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		batch, _ := webhook.GraphBatchFromContext(r.Context())
		if _, err := m.GraphNotifications(r.Context(), batch); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
}

// notification is one notification of a collection: a change, or a
// lifecycle event when event is set.
type notification struct{ sub, clientState, event string }

func post(t *testing.T, h http.Handler, ns ...notification) int {
	t.Helper()
	var items []string
	for _, n := range ns {
		if n.event != "" {
			items = append(items, fmt.Sprintf(`{"subscriptionId":%q,"clientState":%q,"lifecycleEvent":%q,"resource":"me/messages"}`, n.sub, n.clientState, n.event))
		} else {
			items = append(items, fmt.Sprintf(`{"subscriptionId":%q,"clientState":%q,"changeType":"created","resource":"Users/x/Messages/y"}`, n.sub, n.clientState))
		}
	}
	req := httptest.NewRequest(http.MethodPost, testNotifyURL, strings.NewReader(`{"value":[`+strings.Join(items, ",")+`]}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// pending counts the jobs waiting in broker.
func pending(t *testing.T, broker queue.Broker) int64 {
	t.Helper()
	stats, err := broker.Stats(t.Context())
	require.NoError(t, err)
	var n int64
	for _, s := range stats {
		n += s.Pending
	}
	return n
}

// TestGraphNotifications: a verified collection triggers one sync per
// integration its changes name, however often it names them, of
// whichever tenant; notifications of subscriptions the store does not
// know are dropped; a wrong clientState is refused before anything is
// done.
func TestGraphNotifications(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		o1 := e.integration(t, "acme", "outlook", "help@acme.example")
		o2 := e.integration(t, "globex", "outlook", "help@globex.example")
		e.m.Start(t.Context(), o1)
		e.m.Start(t.Context(), o2)
		s1, s2 := e.sub(t, o1), e.sub(t, o2)
		h := graphRoute(t, e.m)

		code := post(t, h, notification{sub: s1.ID, clientState: s1.ClientState}, notification{sub: s2.ID, clientState: s2.ClientState},
			notification{sub: s1.ID, clientState: s1.ClientState}, notification{sub: "made-up", clientState: "whatever"})
		require.Equal(t, http.StatusAccepted, code)
		require.Equal(t, []string{"acme/" + o1.ID, "globex/" + o2.ID}, e.tr.got())

		code = post(t, h, notification{sub: s1.ID, clientState: s2.ClientState})
		require.Equal(t, http.StatusForbidden, code)
		require.Len(t, e.tr.got(), 2)
		require.Zero(t, pending(t, b.broker))
	})
}

// TestGraphNotificationsLooksUp: notifications without their
// subscription (a verifier built with GraphOptions.ClientState) are
// routed by one lookup; unknown ones are dropped.
func TestGraphNotificationsLooksUp(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		o := e.integration(t, "acme", "outlook", "help@acme.example")
		e.m.Start(t.Context(), o)
		sub := e.sub(t, o)
		n, err := e.m.GraphNotifications(t.Context(), webhook.GraphBatch{Notifications: []webhook.GraphNotification{
			{SubscriptionID: "unknown", ChangeType: "created"},
			{SubscriptionID: sub.ID, ChangeType: "created"},
			{SubscriptionID: sub.ID, ChangeType: "updated"},
		}})
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, []string{"acme/" + o.ID}, e.tr.got())

		found, err := e.m.LookupGraph(t.Context(), []string{sub.ID, "unknown"})
		require.NoError(t, err)
		require.Len(t, found, 1)
		require.Equal(t, sub.ClientState, found[sub.ID].ClientState)
		require.Equal(t, o.ID, found[sub.ID].Data.(*store.Subscription).IntegrationID)
	})
}

// TestGraphLifecycleNotifications: lifecycle events are queued as
// JobLifecycle jobs, one per integration and event however often a
// collection or the next repeats it, and a worker running the
// Manager's jobs acts on them: reauthorizationRequired reauthorizes,
// missed syncs.
func TestGraphLifecycleNotifications(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		o1 := e.integration(t, "acme", "outlook", "help@acme.example")
		o2 := e.integration(t, "acme", "outlook", "sales@acme.example")
		e.m.Start(t.Context(), o1)
		e.m.Start(t.Context(), o2)
		s1, s2 := e.sub(t, o1), e.sub(t, o2)
		h := graphRoute(t, e.m)
		reauth := notification{sub: s1.ID, clientState: s1.ClientState, event: string(webhook.GraphReauthorizationRequired)}
		missed := notification{sub: s2.ID, clientState: s2.ClientState, event: string(webhook.GraphMissed)}
		require.Equal(t, http.StatusAccepted, post(t, h, reauth, missed, reauth))
		require.Equal(t, http.StatusAccepted, post(t, h, missed))
		require.Equal(t, int64(2), pending(t, b.broker))
		require.Empty(t, e.tr.got(), "nothing done before the jobs run")

		var mux queue.Mux
		e.m.Register(&mux)
		w, err := queue.NewWorker(b.broker, &mux, queue.WorkerConfig{Logger: quiet()})
		require.NoError(t, err)
		ctx, stop := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		t.Cleanup(func() { stop(); <-done })
		require.Eventually(t, func() bool {
			e.p.mu.Lock()
			defer e.p.mu.Unlock()
			return len(e.p.reauthorized) == 1 && len(e.tr.got()) == 1
		}, 10*time.Second, 10*time.Millisecond)
		e.p.mu.Lock()
		require.Equal(t, []string{s1.ID}, e.p.reauthorized)
		e.p.mu.Unlock()
		require.Equal(t, []string{"acme/" + o2.ID}, e.tr.got())
	})
}
