package outlook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// receiver is a webhook endpoint: it answers Graph's validation
// handshake and keeps the notifications it is sent.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	got   []Notification
	valid int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if tok := req.URL.Query().Get("validationToken"); tok != "" {
			r.mu.Lock()
			r.valid++
			r.mu.Unlock()
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(tok))
			return
		}
		ns, err := ParseNotifications(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, ns...)
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) notifications() []Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Notification(nil), r.got...)
}

// Create (with the validation handshake on both URLs), notification of
// new mail with the clientState, renewal from the returned expiry,
// reauthorize, delete; lifecycle events map to actions.
func TestSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	f := newFixture(t, outlooktest.Options{AllowHTTPNotificationURLs: true, Now: clock, AccessTokenTTL: 30 * 24 * time.Hour}, func(c *Config) { c.Now = clock })
	rcv := newReceiver(t)
	state := NewClientState()
	ctx := context.Background()
	sub, err := f.c.Watch(ctx, connector.WatchRequest{NotificationURL: rcv.URL + "/webhooks/microsoft", LifecycleURL: rcv.URL + "/webhooks/microsoft/lifecycle", ClientState: state})
	require.NoError(t, err)
	require.Equal(t, 2, rcv.valid, "Graph validated both URLs")
	require.Equal(t, now.Add(DefaultSubscriptionLifetime), sub.Expiry)
	require.LessOrEqual(t, sub.Expiry.Sub(now), MaxSubscriptionLifetime)
	require.Equal(t, "me/mailFolders('inbox')/messages", sub.Resource)
	held := f.srv.Subscriptions(testUser)
	require.Len(t, held, 1)
	require.Equal(t, ChangeTypes, held[0].ChangeType)
	require.Equal(t, state, held[0].ClientState)

	f.insert(t, "", "pushed", 1)
	require.Eventually(t, func() bool { return len(rcv.notifications()) == 1 }, 5*time.Second, 10*time.Millisecond)
	n := rcv.notifications()[0]
	require.Equal(t, sub.ID, n.SubscriptionID)
	require.Equal(t, state, n.ClientState)
	require.Equal(t, ActionSync, ActionOf(n))

	now = now.Add(6 * 24 * time.Hour)
	renewed, err := f.c.Watch(ctx, connector.WatchRequest{Current: sub})
	require.NoError(t, err)
	require.Equal(t, sub.ID, renewed.ID)
	require.Equal(t, now.Add(DefaultSubscriptionLifetime), renewed.Expiry)
	require.Equal(t, "PATCH", f.srv.Requests("subscriptions.update")[0].Method)

	require.NoError(t, f.c.Reauthorize(ctx, sub.ID))
	require.Equal(t, 1, f.srv.Subscriptions(testUser)[0].Reauthorized)

	require.NoError(t, f.c.Unwatch(ctx, sub))
	require.Empty(t, f.srv.Subscriptions(testUser))
	require.NoError(t, f.c.Unwatch(ctx, sub), "deleting a deleted subscription is not an error")
	_, err = f.c.Watch(ctx, connector.WatchRequest{Current: sub})
	require.ErrorIs(t, err, connector.ErrNotFound, "renewing a removed subscription: create a new one")
}

// Graph refuses a notification URL that fails the handshake; Watch
// checks its own inputs first.
func TestSubscriptionRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{AllowHTTPNotificationURLs: true}, nil)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	t.Cleanup(bad.Close)
	_, err := f.c.Watch(context.Background(), connector.WatchRequest{NotificationURL: bad.URL, ClientState: "s"})
	require.ErrorIs(t, err, connector.ErrPermanent)

	_, err = f.c.Watch(context.Background(), connector.WatchRequest{NotificationURL: bad.URL, ClientState: strings.Repeat("x", MaxClientState+1)})
	var v *connector.ValidationError
	require.ErrorAs(t, err, &v)
	require.Equal(t, 1, f.srv.Calls("subscriptions.create"), "the second Watch was refused before any request")
}

// Lifecycle events sent by Graph parse and map to what the server must
// do.
func TestLifecycleEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{AllowHTTPNotificationURLs: true}, func(c *Config) { c.Folders = []string{"inbox", "archive"} })
	rcv := newReceiver(t)
	sub, err := f.c.Watch(context.Background(), connector.WatchRequest{NotificationURL: rcv.URL, LifecycleURL: rcv.URL + "/lifecycle", ClientState: "cs"})
	require.NoError(t, err)
	require.Equal(t, "me/messages", sub.Resource, "several folders: every message")
	want := map[string]Action{EventReauthorizationRequired: ActionReauthorize, EventSubscriptionRemoved: ActionRecreate, EventMissed: ActionResync}
	for ev, action := range want {
		status, err := f.srv.SendLifecycleEvent(context.Background(), sub.ID, ev)
		require.NoError(t, err)
		require.Equal(t, http.StatusAccepted, status)
		got := rcv.notifications()
		last := got[len(got)-1]
		require.Equal(t, ev, last.LifecycleEvent)
		require.Equal(t, "cs", last.ClientState)
		require.Equal(t, action, ActionOf(last), ev)
	}
	require.Equal(t, ActionNone, ActionOf(Notification{LifecycleEvent: "somethingNew"}))
	require.Equal(t, "recreate", ActionRecreate.String())
}
