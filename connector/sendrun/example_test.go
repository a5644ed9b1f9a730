package sendrun_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/sendrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// A Runner on the memory store and queue sends through an in-memory
// mailbox: Enqueue stores the message and its job, a worker sends it
// and the entry is marked sent with a message.sent event; a retry of the
// request with the same idempotency key sends nothing more.
func Example() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	logger := slog.New(slog.DiscardHandler)

	mb := connectortest.NewMailbox(connectortest.MailboxOptions{})
	st, _ := memory.New(memory.Options{})
	defer st.Close()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()
	in := &store.Integration{TenantID: "acme", Provider: "memory", Name: "Support"}
	_ = st.CreateIntegration(ctx, in, connector.Credentials{})

	sent := make(chan *store.Event, 1)
	r, err := sendrun.New(st, broker, sendrun.Options{
		Connect: func(context.Context, *store.Integration) (connector.Connector, error) {
			return mb.Connect(connector.Credentials{}), nil
		},
		Publish: func(_ context.Context, events ...*store.Event) {
			for _, ev := range events {
				sent <- ev // an event outbox would enqueue their delivery here
			}
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

	send := &sendrun.Send{
		TenantID: "acme", IntegrationID: in.ID, IdempotencyKey: "reply-to-ticket-42",
		Message: connector.OutboundMessage{
			From:    connector.Address{Email: "support@example.com"},
			To:      []connector.Address{{Email: "ann@example.org"}},
			Subject: "Your order", Text: "It ships today.",
		},
	}
	e, created, err := r.Enqueue(ctx, send)
	if err != nil {
		panic(err)
	}
	fmt.Println("stored:", created, e.Status)
	fmt.Println("event:", (<-sent).Type)

	e, created, _ = r.Enqueue(ctx, send) // the client retries its request
	fmt.Println("stored:", created, e.Status)
	fmt.Println("sent:", len(mb.Sent()))
	// Output:
	// stored: true pending
	// event: message.sent
	// stored: false sent
	// sent: 1
}
