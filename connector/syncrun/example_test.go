package syncrun_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// A Runner on the memory store and queue syncs an in-memory mailbox: a
// trigger enqueues the sync job, a worker runs it, and each new message
// is stored once with its message.received event.
func Example() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	logger := slog.New(slog.DiscardHandler)

	// A fake provider with three messages, registered as "memory".
	mb := connectortest.NewMailbox(connectortest.MailboxOptions{})
	for i := 1; i <= 3; i++ {
		_, _ = mb.Deliver(fmt.Appendf(nil, "From: customer%d@example.org\r\nSubject: Question %d\r\nMessage-ID: <q%d@example.org>\r\n\r\nHello\r\n", i, i, i))
	}
	var reg connector.Registry
	_ = reg.Register("memory", mb.Factory())

	st, _ := memory.New(memory.Options{})
	defer st.Close()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()
	in := &store.Integration{TenantID: "acme", Provider: "memory", Name: "Support"}
	_ = st.CreateIntegration(ctx, in, connector.Credentials{Password: "secret"})

	done := make(chan syncrun.Summary, 1)
	r, err := syncrun.New(st, broker, syncrun.Options{
		Connect: syncrun.RegistryConnect(&reg, st, logger),
		Publish: func(_ context.Context, events ...*store.Event) {
			// An event outbox would enqueue their delivery here.
		},
		Hooks: syncrun.Hooks{
			Sync: func(ctx context.Context, _, _ string) (context.Context, func(syncrun.Summary, error)) {
				return ctx, func(s syncrun.Summary, _ error) { done <- s }
			},
		},
		Logger: logger,
	})
	if err != nil {
		panic(err)
	}
	var mux queue.Mux
	r.Register(&mux)
	w, _ := queue.NewWorker(broker, &mux, queue.WorkerConfig{Logger: logger})
	go func() { _ = w.Run(ctx) }()

	if _, err := r.Trigger(ctx, "acme", in.ID); err != nil {
		panic(err)
	}
	s := <-done
	fmt.Printf("%s: %d batch, %d new\n", s.Outcome, s.Batches, s.Inserted)

	events, _ := st.ListEvents(ctx, "acme", store.ListEventsOptions{})
	for _, ev := range events.Items {
		fmt.Println(ev.Type)
	}
	// Output:
	// completed: 1 batch, 3 new
	// message.received
	// message.received
	// message.received
	// sync.completed
}

// newMailOnly is DefaultEvents without the announcements of changes to
// stored messages: new mail only.
type newMailOnly struct{ syncrun.DefaultEvents }

func (newMailOnly) BatchEvents(_ context.Context, b *syncrun.BatchInfo) ([]*store.Event, error) {
	return syncrun.ReceivedEvents(b.Inserted)
}

// An EventPolicy decides what a sync announces: here DefaultEvents'
// announcements but message.updated and message.deleted. Runner.Sync
// runs a sync without a queue.
func ExampleEventPolicy() {
	ctx := context.Background()
	mb := connectortest.NewMailbox(connectortest.MailboxOptions{})
	id, _ := mb.Deliver([]byte("From: ann@example.org\r\nSubject: Refund\r\nMessage-ID: <r1@example.org>\r\n\r\nPlease\r\n"))

	st, _ := memory.New(memory.Options{})
	defer st.Close()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()
	in := &store.Integration{TenantID: "acme", Provider: "memory", Name: "Support"}
	_ = st.CreateIntegration(ctx, in, connector.Credentials{})

	r, _ := syncrun.New(st, broker, syncrun.Options{
		Connect: func(context.Context, *store.Integration) (connector.Connector, error) {
			return mb.Connect(connector.Credentials{}), nil
		},
		Events: newMailOnly{},
		Publish: func(_ context.Context, events ...*store.Event) {
			for _, ev := range events {
				fmt.Println("publish", ev.Type)
			}
		},
	})
	if _, err := r.Sync(ctx, "acme", in.ID); err != nil {
		panic(err)
	}
	_ = mb.Delete(id)
	s, err := r.Sync(ctx, "acme", in.ID)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %d deleted\n", s.Outcome, s.Deleted)
	// Output:
	// publish message.received
	// publish sync.completed
	// publish sync.completed
	// completed: 1 deleted
}
