package pushwatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/pushwatch"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/webhook"
)

// fakeGraph is an Outlook connector that only keeps a subscription, as
// Graph would: 3 days, extended by a renewal.
type fakeGraph struct {
	connector.Connector // nil: only the methods below are called
	now                 func() time.Time
	made                int
}

func (g *fakeGraph) Provider() string { return "outlook" }

func (g *fakeGraph) Watch(_ context.Context, req connector.WatchRequest) (*connector.Subscription, error) {
	sub := &connector.Subscription{Resource: "me/messages", Expiry: g.now().Add(72 * time.Hour)}
	if req.Current != nil {
		sub.ID = req.Current.ID
	} else {
		g.made++
		sub.ID = fmt.Sprint("sub-", g.made)
	}
	return sub, nil
}

func (g *fakeGraph) Unwatch(context.Context, *connector.Subscription) error { return nil }

// A Manager on the memory store and queue keeps the Graph subscription
// of an Outlook mailbox: made when it is connected, routed back to its
// integration when a notification with its clientState arrives, and
// renewed before it expires.
func Example() {
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	st, _ := memory.New(memory.Options{})
	defer st.Close()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()
	in := &store.Integration{TenantID: "acme", Provider: "outlook", Name: "Support", Config: json.RawMessage(`{"email":"help@acme.example"}`)}
	_ = st.CreateIntegration(ctx, in, connector.Credentials{})

	graph := &fakeGraph{now: clock}
	connect := func(context.Context, *store.Integration) (connector.Connector, error) { return graph, nil }
	runner, _ := syncrun.New(st, broker, syncrun.Options{Connect: connect, Logger: logger})
	m, err := pushwatch.New(st, broker, pushwatch.Options{
		Connect: connect,
		Trigger: func(ctx context.Context, tenant, integration string) (*queue.EnqueueResult, error) {
			fmt.Println("sync of a mailbox of", tenant)
			return runner.Trigger(ctx, tenant, integration)
		},
		Failures:             runner,
		GraphNotificationURL: "https://mail.acme.example/webhooks/microsoft",
		Now:                  clock,
		Logger:               logger,
	})
	if err != nil {
		panic(err)
	}

	// Signed in: the subscription is made and stored.
	m.Start(ctx, in)
	sub, _ := st.GetSubscription(ctx, "acme", in.ID)
	fmt.Println(sub.ID, "expires in", sub.Expiry.Sub(now))

	// Graph notifies: the verifier checks the clientState, the Manager
	// triggers the sync.
	v, _ := webhook.NewGraphVerifier(webhook.GraphOptions{Lookup: m.LookupGraph, Logger: logger})
	route := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		batch, _ := webhook.GraphBatchFromContext(r.Context())
		if _, err := m.GraphNotifications(r.Context(), batch); err != nil {
			http.Error(w, "try again", http.StatusInternalServerError)
		}
	}))
	body := fmt.Sprintf(`{"value":[{"subscriptionId":%q,"clientState":%q,"changeType":"created","resource":"me/messages/1"}]}`, sub.ID, sub.ClientState)
	rec := httptest.NewRecorder()
	route.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/webhooks/microsoft", strings.NewReader(body)))
	fmt.Println("Graph gets", rec.Code)

	// A day on, the renewal job extends it.
	now = now.Add(24 * time.Hour)
	n, _ := m.Renew(ctx, now)
	sub, _ = st.GetSubscription(ctx, "acme", in.ID)
	fmt.Println("renewed", n, sub.ID, "expires in", sub.Expiry.Sub(now))
	// Output:
	// sub-1 expires in 72h0m0s
	// sync of a mailbox of acme
	// Graph gets 202
	// renewed 1 sub-1 expires in 72h0m0s
}
