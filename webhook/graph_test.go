package webhook_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// Notification bodies in the shape Microsoft Graph sends them
// (learn.microsoft.com/graph/change-notifications-delivery-webhooks and
// .../change-notifications-lifecycle-events).
const (
	graphSub1 = "76222963-cc7b-42d2-882d-8aaa69cb2ba3"
	graphSub2 = "7f105c7d-2dc5-4530-97cd-4e7ae6534c07"

	graphChange = `{"value":[{
		"subscriptionId":"76222963-cc7b-42d2-882d-8aaa69cb2ba3",
		"subscriptionExpirationDateTime":"2026-03-19T22:11:09.952Z",
		"clientState":"state-of-sub-1",
		"changeType":"created",
		"resource":"Users/a8e1c0aa-0000-0000-0000-000000000001/Messages/AAMkAGUAAAwTW09AAA=",
		"tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95",
		"resourceData":{
			"@odata.type":"#Microsoft.Graph.Message",
			"@odata.id":"Users/a8e1c0aa-0000-0000-0000-000000000001/Messages/AAMkAGUAAAwTW09AAA=",
			"@odata.etag":"W/\"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf\"",
			"id":"AAMkAGUAAAwTW09AAA="}}]}`

	graphLifecycle = `{"value":[
		{"subscriptionId":"7f105c7d-2dc5-4530-97cd-4e7ae6534c07","subscriptionExpirationDateTime":"2026-03-20T11:00:00.0000000-08:00",
		 "tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95","clientState":"state-of-sub-2","lifecycleEvent":"reauthorizationRequired"},
		{"subscriptionId":"7f105c7d-2dc5-4530-97cd-4e7ae6534c07","subscriptionExpirationDateTime":"2026-03-20T11:00:00.0000000-08:00",
		 "tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95","clientState":"state-of-sub-2","lifecycleEvent":"subscriptionRemoved"},
		{"subscriptionId":"76222963-cc7b-42d2-882d-8aaa69cb2ba3","subscriptionExpirationDateTime":"2026-03-20T11:00:00Z",
		 "tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95","clientState":"state-of-sub-1","lifecycleEvent":"missed"}]}`
)

// graphStates is a lookup of clientStates that counts its calls.
type graphStates struct {
	calls  atomic.Int32
	states map[string]string
	err    error
}

func (g *graphStates) lookup(_ context.Context, id string) (string, bool, error) {
	g.calls.Add(1)
	if g.err != nil {
		return "", false, g.err
	}
	s, ok := g.states[id]
	return s, ok, nil
}

func newGraph(t *testing.T) (*webhook.GraphVerifier, *graphStates) {
	t.Helper()
	states := &graphStates{states: map[string]string{graphSub1: "state-of-sub-1", graphSub2: "state-of-sub-2", "no-state": ""}}
	g, err := webhook.NewGraphVerifier(webhook.GraphOptions{
		ClientState: states.lookup, MaxBodyBytes: 4096, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	return g, states
}

// graphNext records the batches that reach it.
type graphNext struct {
	status  int
	mu      sync.Mutex
	batches []webhook.GraphBatch
	bodies  []string
}

func (n *graphNext) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, ok := webhook.GraphBatchFromContext(r.Context())
	if !ok {
		panic("no batch in context")
	}
	raw, _ := io.ReadAll(r.Body)
	n.mu.Lock()
	n.batches = append(n.batches, b)
	n.bodies = append(n.bodies, string(raw))
	n.mu.Unlock()
	if n.status != 0 {
		w.WriteHeader(n.status)
	}
}

func (n *graphNext) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.batches)
}

func postGraph(h http.Handler, target, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, strings.NewReader(body)))
	return rec
}

func TestGraphValidationHandshake(t *testing.T) {
	t.Parallel()
	g, states := newGraph(t)
	next := &graphNext{}
	h := g.Middleware(next)
	for _, c := range []struct{ query, want string }{
		{"validationToken=Validation%3a+Testing%3a+client+validation", "Validation: Testing: client validation"},
		{"validationToken=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "<script>alert(1)</script>"},
		{"validationToken=abc%2Bdef%3D%3D", "abc+def=="},
	} {
		for _, path := range []string{"/webhooks/microsoft", "/webhooks/microsoft/lifecycle"} {
			start := time.Now()
			rec := postGraph(h, path+"?"+c.query, "")
			require.Less(t, time.Since(start), time.Second, "answered well inside Graph's 10 s")
			require.Equal(t, http.StatusOK, rec.Code)
			require.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
			require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			require.Equal(t, c.want, rec.Body.String())
		}
	}
	require.Zero(t, next.count(), "a validation request is not passed on")
	require.Zero(t, states.calls.Load())

	// No token, an empty token: not a validation request.
	rec := httptest.NewRecorder()
	require.False(t, webhook.AnswerGraphValidation(rec, httptest.NewRequest(http.MethodPost, "/x?validationToken=", nil)))
	require.False(t, webhook.AnswerGraphValidation(rec, httptest.NewRequest(http.MethodPost, "/x", nil)))
	require.Empty(t, rec.Body.String())
}

func TestGraphChangeNotification(t *testing.T) {
	t.Parallel()
	g, _ := newGraph(t)
	next := &graphNext{}
	rec := postGraph(g.Middleware(next), "/webhooks/microsoft", graphChange)
	require.Equal(t, http.StatusAccepted, rec.Code, "202 when next writes no status")
	require.Equal(t, 1, next.count())
	require.Equal(t, graphChange, next.bodies[0], "next reads the body")
	b := next.batches[0]
	require.Zero(t, b.Unknown)
	require.Len(t, b.Notifications, 1)
	n := b.Notifications[0]
	require.False(t, n.IsLifecycle())
	require.Equal(t, graphSub1, n.SubscriptionID)
	require.Equal(t, "created", n.ChangeType)
	require.Equal(t, "84bd8158-6d4d-4958-8b9f-9d6445542f95", n.TenantID)
	require.True(t, n.SubscriptionExpiration.Equal(time.Date(2026, 3, 19, 22, 11, 9, 952e6, time.UTC)))
	require.Equal(t, &webhook.GraphResourceData{
		ODataType: "#Microsoft.Graph.Message",
		ODataID:   "Users/a8e1c0aa-0000-0000-0000-000000000001/Messages/AAMkAGUAAAwTW09AAA=",
		ODataEtag: `W/"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf"`,
		ID:        "AAMkAGUAAAwTW09AAA=",
	}, n.ResourceData)

	// next's own status wins.
	failing := &graphNext{status: http.StatusServiceUnavailable}
	rec = postGraph(g.Middleware(failing), "/webhooks/microsoft", graphChange)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
}

func TestGraphLifecycleNotifications(t *testing.T) {
	t.Parallel()
	g, states := newGraph(t)
	b, err := g.Verify(t.Context(), []byte(graphLifecycle))
	require.NoError(t, err)
	require.Len(t, b.Notifications, 3)
	var events []webhook.GraphLifecycleEvent
	for _, n := range b.Notifications {
		require.True(t, n.IsLifecycle())
		require.Empty(t, n.ChangeType)
		require.False(t, n.SubscriptionExpiration.IsZero())
		events = append(events, n.LifecycleEvent)
	}
	require.Equal(t, []webhook.GraphLifecycleEvent{
		webhook.GraphReauthorizationRequired, webhook.GraphSubscriptionRemoved, webhook.GraphMissed,
	}, events)
	require.True(t, b.Notifications[0].SubscriptionExpiration.Equal(time.Date(2026, 3, 20, 19, 0, 0, 0, time.UTC)))
	require.Equal(t, int32(2), states.calls.Load(), "one lookup per subscription of a batch")
}

func TestGraphRejections(t *testing.T) {
	t.Parallel()
	withState := func(body, state string) string {
		return strings.Replace(body, `"state-of-sub-1"`, state, 1)
	}
	unknownSub := strings.Replace(graphChange, graphSub1, "unknown-sub", 1)
	for _, c := range []struct {
		name   string
		body   string
		status int
		want   error
	}{
		{"wrong clientState", withState(graphChange, `"state-of-sub-2"`), http.StatusForbidden, webhook.ErrInvalidClientState},
		{"clientState a prefix", withState(graphChange, `"state-of-sub-"`), http.StatusForbidden, webhook.ErrInvalidClientState},
		{"clientState longer", withState(graphChange, `"state-of-sub-1x"`), http.StatusForbidden, webhook.ErrInvalidClientState},
		{"clientState empty", withState(graphChange, `""`), http.StatusForbidden, webhook.ErrInvalidClientState},
		{"clientState null", withState(graphChange, `null`), http.StatusForbidden, webhook.ErrInvalidClientState},
		{"clientState missing", strings.Replace(graphChange, `"clientState":"state-of-sub-1",`, "", 1), http.StatusForbidden, webhook.ErrInvalidClientState},
		{"subscription without a clientState", strings.Replace(withState(graphChange, `""`), graphSub1, "no-state", 1), http.StatusForbidden, webhook.ErrInvalidClientState},
		{"one wrong in a batch", `{"value":[` + graphChange[10:len(graphChange)-2] + `,` + withState(graphChange, `"x"`)[10:], http.StatusForbidden, webhook.ErrInvalidClientState},
		{"wrong beside unknown", `{"value":[` + unknownSub[10:len(unknownSub)-2] + `,` + withState(graphChange, `"x"`)[10:], http.StatusForbidden, webhook.ErrInvalidClientState},
		{"not JSON", "value=1", http.StatusBadRequest, webhook.ErrMalformedBody},
		{"empty body", "", http.StatusBadRequest, webhook.ErrMalformedBody},
		{"no value", `{}`, http.StatusBadRequest, webhook.ErrMalformedBody},
		{"empty value", `{"value":[]}`, http.StatusBadRequest, webhook.ErrMalformedBody},
		{"value not a list", `{"value":{}}`, http.StatusBadRequest, webhook.ErrMalformedBody},
		{"no subscriptionId", strings.Replace(graphChange, graphSub1, "", 1), http.StatusBadRequest, webhook.ErrMalformedBody},
		{"oversized", `{"value":[` + strings.Repeat(graphChange[10:len(graphChange)-2]+",", 8) + graphChange[10:], http.StatusRequestEntityTooLarge, webhook.ErrBodyTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			g, _ := newGraph(t)
			next := &graphNext{}
			rec := postGraph(g.Middleware(next), "/webhooks/microsoft", c.body)
			requireProblem(t, rec, c.status, c.want)
			require.Zero(t, next.count(), "next handler called for a rejected request")
			require.NotContains(t, rec.Body.String(), "state-of-sub")

			if c.status != http.StatusRequestEntityTooLarge {
				_, err := g.Verify(t.Context(), []byte(c.body))
				require.ErrorIs(t, err, c.want)
				require.Equal(t, c.status, webhook.StatusCode(err))
			}
		})
	}
}

func TestGraphUnknownSubscriptions(t *testing.T) {
	t.Parallel()
	g, _ := newGraph(t)
	next := &graphNext{}
	h := g.Middleware(next)
	unknown := strings.Replace(graphChange, graphSub1, "deleted-sub", 1)

	rec := postGraph(h, "/webhooks/microsoft", unknown)
	require.Equal(t, http.StatusAccepted, rec.Code, "acknowledged, so that Graph does not retry")
	require.Zero(t, next.count(), "with nothing to pass on")

	mixed := `{"value":[` + unknown[10:len(unknown)-2] + `,` + graphChange[10:]
	rec = postGraph(h, "/webhooks/microsoft", mixed)
	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Equal(t, 1, next.count())
	require.Equal(t, 1, next.batches[0].Unknown)
	require.Len(t, next.batches[0].Notifications, 1)
	require.Equal(t, graphSub1, next.batches[0].Notifications[0].SubscriptionID)
}

func TestGraphLookupFailure(t *testing.T) {
	t.Parallel()
	g, states := newGraph(t)
	states.err = errors.New("postgres: connection refused to 10.0.0.5")
	next := &graphNext{}
	rec := postGraph(g.Middleware(next), "/webhooks/microsoft", graphChange)
	requireProblem(t, rec, http.StatusInternalServerError, nil)
	require.NotContains(t, rec.Body.String(), "10.0.0.5", "internal errors are not shown to the sender")
	require.Zero(t, next.count())
}

func TestNewGraphVerifierOptions(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewGraphVerifier(webhook.GraphOptions{})
	require.ErrorContains(t, err, "ClientState")
	require.ErrorContains(t, err, "Lookup")
	_, err = webhook.NewGraphVerifier(webhook.GraphOptions{ClientState: (&graphStates{}).lookup, MaxBodyBytes: -1})
	require.ErrorContains(t, err, "MaxBodyBytes")
}
