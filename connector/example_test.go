package connector_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
)

// A program builds its own Registry, registers the providers it links in,
// and syncs batch by batch, keeping the cursor of each batch it committed.
func Example() {
	ctx := context.Background()
	mailbox := connectortest.NewMailbox(connectortest.MailboxOptions{BatchSize: 2})
	for n := range 3 {
		if _, err := mailbox.Deliver(connectortest.NewTestMessage("example", n).Raw()); err != nil {
			panic(err)
		}
	}

	var reg connector.Registry
	if err := reg.Register("memory", mailbox.Factory()); err != nil {
		panic(err)
	}
	c, err := reg.New(ctx, connector.Config{Provider: "memory", IntegrationID: "int-1"})
	if err != nil {
		panic(err)
	}

	var cursor connector.Cursor // stored by the caller between syncs
	err = c.Sync(ctx, cursor, func(ctx context.Context, b *connector.Batch) error {
		for _, m := range b.Messages {
			fmt.Println(m.Subject)
		}
		cursor = b.Cursor // commit the batch and its cursor together
		return nil
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("cursor saved:", !cursor.IsZero())
	// Output:
	// Bestellung Nr. 0 – Lieferung verspätet ✉
	// Bestellung Nr. 1 – Lieferung verspätet ✉
	// Bestellung Nr. 2 – Lieferung verspätet ✉
	// cursor saved: true
}

// Callers decide what to do from an error's kind, never from its text.
func ExampleKindOf() {
	err := fmt.Errorf("sync: %w", connector.RateLimitedError("gmail: history.list", 0, errors.New("429")))
	switch connector.KindOf(err) {
	case connector.ErrAuth:
		fmt.Println("ask the user to reconnect")
	case connector.ErrRateLimited, connector.ErrTemporary:
		fmt.Println("retry later; retryable:", connector.IsRetryable(err))
	default:
		fmt.Println("give up")
	}
	// Output: retry later; retryable: true
}
