package syncrun_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// Checks test a mailbox's connection and record the outcome as the
// integration's health: refused credentials make it needs_reauth, and
// announce it. A worker runs them periodically with Register and
// Schedule.
func ExampleChecks() {
	ctx := context.Background()
	mb := connectortest.NewMailbox(connectortest.MailboxOptions{Password: "secret"})
	st, _ := memory.New(memory.Options{})
	defer st.Close()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()
	in := &store.Integration{TenantID: "acme", Provider: "memory", Name: "Support"}
	_ = st.CreateIntegration(ctx, in, connector.Credentials{Password: "not the secret"})

	r, _ := syncrun.New(st, broker, syncrun.Options{
		Connect: func(ctx context.Context, in *store.Integration) (connector.Connector, error) {
			creds, err := st.Credentials(ctx, in.TenantID, in.ID)
			return mb.Connect(creds), err
		},
		Publish: func(_ context.Context, events ...*store.Event) {
			for _, ev := range events {
				fmt.Println("publish", ev.Type)
			}
		},
	})
	checks, _ := r.Checks(syncrun.CheckOptions{Timeout: 10 * time.Second})
	var mux queue.Mux
	checks.Register(&mux) // the check jobs, for a worker ...
	_ = checks.Schedule(5 * time.Minute)

	res, err := checks.Test(ctx, in) // ... or a test now
	if err != nil {
		panic(err)
	}
	h := res.Integration.Health
	fmt.Println(res.Integration.Status, h.Status, h.ConsecutiveFailures)
	// Output:
	// publish integration.needs_reauth
	// needs_reauth failing 1
}
