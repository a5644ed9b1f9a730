package memory_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// A sync commits a batch of messages with its cursor; committing the same
// batch again stores nothing twice.
func Example() {
	ctx := context.Background()
	st, err := memory.New(memory.Options{})
	if err != nil {
		panic(err)
	}
	defer st.Close()

	in := &store.Integration{TenantID: "acme", Provider: "imap", Name: "Support"}
	if err := st.CreateIntegration(ctx, in, connector.Credentials{Username: "support", Password: "secret"}); err != nil {
		panic(err)
	}

	batch := []*connector.Message{
		{ProviderID: "INBOX/1/1", Subject: "Where is my order?"},
		{ProviderID: "INBOX/1/2", Subject: "Refund"},
	}
	announce := func(inserted []*store.Message) ([]*store.Event, error) {
		var events []*store.Event
		for range inserted {
			events = append(events, &store.Event{Type: "message.received"})
		}
		return events, nil
	}
	for _, cursor := range []connector.Cursor{"uid:2", "uid:2"} {
		state, err := st.SyncState(ctx, "acme", in.ID)
		if err != nil {
			panic(err)
		}
		res, err := st.CommitSync(ctx, &store.SyncCommit{
			TenantID: "acme", IntegrationID: in.ID, Version: state.Version,
			Cursor: cursor, Messages: batch, Events: announce,
		})
		if err != nil {
			panic(err)
		}
		fmt.Printf("version %d: %d inserted, %d events\n", res.Version, len(res.Inserted), len(res.Events))
	}

	page, err := st.ListMessages(ctx, "acme", in.ID, store.ListMessagesOptions{})
	if err != nil {
		panic(err)
	}
	for _, m := range page.Items {
		fmt.Println(m.ProviderID, m.Subject)
	}
	due, err := st.ClaimEvents(ctx, time.Now(), 10, time.Minute)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(due), "events to deliver")
	// Output:
	// version 1: 2 inserted, 2 events
	// version 2: 0 inserted, 0 events
	// INBOX/1/1 Where is my order?
	// INBOX/1/2 Refund
	// 2 events to deliver
}
