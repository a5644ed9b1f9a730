package webhook_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// graphBatchLookup is a GraphLookupFunc that records what it was asked.
type graphBatchLookup struct {
	mu    sync.Mutex
	calls [][]string
	subs  map[string]webhook.GraphSubscription
}

func (l *graphBatchLookup) lookup(_ context.Context, ids []string) (map[string]webhook.GraphSubscription, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, slices.Clone(ids))
	out := map[string]webhook.GraphSubscription{}
	for _, id := range ids {
		if s, ok := l.subs[id]; ok {
			out[id] = s
		}
	}
	return out, nil
}

// graphCollectionOf is a collection of one change notification for each
// subscription id, each with clientState "state-of-" + id.
func graphCollectionOf(ids ...string) string {
	var b strings.Builder
	b.WriteString(`{"value":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"subscriptionId":%q,"clientState":%q,"changeType":"created","resource":"Users/u/Messages/m"}`, id, "state-of-"+id)
	}
	b.WriteString(`]}`)
	return b.String()
}

func TestGraphBatchLookup(t *testing.T) {
	t.Parallel()
	l := &graphBatchLookup{subs: map[string]webhook.GraphSubscription{
		"sub-a": {ClientState: "state-of-sub-a", Data: "integration-a"},
		"sub-b": {ClientState: "state-of-sub-b", Data: "integration-b"},
	}}
	var unknown []int
	g, err := webhook.NewGraphVerifier(webhook.GraphOptions{
		Lookup: l.lookup, Logger: slog.New(slog.DiscardHandler),
		OnUnknown: func(_ http.ResponseWriter, _ *http.Request, n int) bool { unknown = append(unknown, n); return true },
	})
	require.NoError(t, err)
	next := &graphNext{}
	rec := postGraph(g.Middleware(next), "/webhooks/microsoft",
		graphCollectionOf("sub-a", "sub-b", "sub-a", "gone-1", "gone-2", "gone-1", "sub-b"))
	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Equal(t, [][]string{{"sub-a", "sub-b", "gone-1", "gone-2"}}, l.calls, "one lookup, each subscription once")
	require.Equal(t, []int{2}, unknown, "the distinct unknown subscriptions are told")
	b := next.batches[0]
	require.Equal(t, 3, b.Unknown)
	require.Equal(t, 2, b.UnknownSubscriptions)
	var data []any
	for _, n := range b.Notifications {
		data = append(data, n.Data)
	}
	require.Equal(t, []any{"integration-a", "integration-b", "integration-a", "integration-b"}, data, "each notification carries its subscription's data")
}

// A collection of more notifications than the verifier takes is refused
// before anything is looked up.
func TestGraphTooManyNotifications(t *testing.T) {
	t.Parallel()
	l := &graphBatchLookup{}
	g, err := webhook.NewGraphVerifier(webhook.GraphOptions{Lookup: l.lookup, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ids := make([]string, webhook.DefaultMaxGraphNotifications+1)
	for i := range ids {
		ids[i] = fmt.Sprintf("made-up-%d", i)
	}
	next := &graphNext{}
	rec := postGraph(g.Middleware(next), "/webhooks/microsoft", graphCollectionOf(ids...))
	requireProblem(t, rec, http.StatusRequestEntityTooLarge, webhook.ErrTooManyNotifications)
	require.Empty(t, l.calls, "no lookup")
	require.Zero(t, next.count())

	// At the cap: looked up, once.
	rec = postGraph(g.Middleware(next), "/webhooks/microsoft", graphCollectionOf(ids[:webhook.DefaultMaxGraphNotifications]...))
	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Len(t, l.calls, 1)
	require.Len(t, l.calls[0], webhook.DefaultMaxGraphNotifications)

	// A smaller cap of one's own.
	g, err = webhook.NewGraphVerifier(webhook.GraphOptions{Lookup: l.lookup, MaxNotifications: 2, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	_, err = g.Verify(t.Context(), []byte(graphCollectionOf("a", "b", "c")))
	require.ErrorIs(t, err, webhook.ErrTooManyNotifications)
	_, err = webhook.NewGraphVerifier(webhook.GraphOptions{Lookup: l.lookup, MaxNotifications: -1})
	require.ErrorContains(t, err, "MaxNotifications")
}

// OnUnknown can answer the request itself (a rate limit's 429).
func TestGraphOnUnknownAnswers(t *testing.T) {
	t.Parallel()
	l := &graphBatchLookup{subs: map[string]webhook.GraphSubscription{"sub-a": {ClientState: "state-of-sub-a"}}}
	g, err := webhook.NewGraphVerifier(webhook.GraphOptions{
		Lookup: l.lookup, Logger: slog.New(slog.DiscardHandler),
		OnUnknown: func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			w.WriteHeader(http.StatusTooManyRequests)
			return false
		},
	})
	require.NoError(t, err)
	next := &graphNext{}
	rec := postGraph(g.Middleware(next), "/webhooks/microsoft", graphCollectionOf("sub-a", "made-up"))
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	require.Zero(t, next.count())

	rec = postGraph(g.Middleware(next), "/webhooks/microsoft", graphCollectionOf("sub-a"))
	require.Equal(t, http.StatusAccepted, rec.Code, "not called without unknown subscriptions")
	require.Equal(t, 1, next.count())
}
