package store_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// A sync in two batches, each committed with the cursor that covers it; a
// syncer that did not see the latest commit is fenced off; a message
// expunged at the provider, known only by its ProviderRef, is marked deleted.
// store/memory runs it here; store/postgres behaves the same.
func ExampleSyncCommit() {
	ctx := context.Background()
	st, err := memory.New(memory.Options{})
	if err != nil {
		panic(err)
	}
	defer st.Close()

	in := &store.Integration{TenantID: "acme", Provider: "imap", Name: "Support inbox"}
	if err := st.CreateIntegration(ctx, in, connector.Credentials{Username: "support", Password: "secret"}); err != nil {
		panic(err)
	}

	// What a connector's Sync hands over, batch by batch.
	batches := []*connector.Batch{
		{Cursor: "after-uid-2", Messages: []*connector.Message{
			{ProviderID: "INBOX:a1", ProviderRef: "INBOX/7/1", Subject: "Where is my order?"},
			{ProviderID: "INBOX:b2", ProviderRef: "INBOX/7/2", Subject: "Refund"},
		}},
		{Cursor: "after-uid-3", Messages: []*connector.Message{
			{ProviderID: "INBOX:c3", ProviderRef: "INBOX/7/3", Subject: "Invoice"},
		}},
	}
	state, err := st.SyncState(ctx, "acme", in.ID)
	if err != nil {
		panic(err)
	}
	version := state.Version
	for _, b := range batches {
		res, err := st.CommitSync(ctx, &store.SyncCommit{
			TenantID: "acme", IntegrationID: in.ID, Version: version,
			Cursor: b.Cursor, Messages: b.Messages, Changes: b.Changes,
		})
		if err != nil {
			panic(err)
		}
		version = res.Version
		fmt.Printf("committed %s: %d new, version %d\n", b.Cursor, len(res.Inserted), res.Version)
	}

	// A syncer still holding version 0 (its job was taken over) cannot
	// write over the newer cursor.
	_, err = st.CommitSync(ctx, &store.SyncCommit{
		TenantID: "acme", IntegrationID: in.ID, Version: 0, Cursor: "after-uid-1",
	})
	fmt.Println("stale commit:", errors.Is(err, store.ErrConflict))

	// The next sync finds UID 2 expunged: the change names it by ref.
	res, err := st.CommitSync(ctx, &store.SyncCommit{
		TenantID: "acme", IntegrationID: in.ID, Version: version, Cursor: "after-uid-3-expunged-2",
		Changes: []connector.Change{{Kind: connector.ChangeDeleted, ProviderRef: "INBOX/7/2"}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("deleted:", res.Deleted)

	state, err = st.SyncState(ctx, "acme", in.ID)
	if err != nil {
		panic(err)
	}
	n, err := st.CountMessages(ctx, "acme", in.ID)
	if err != nil {
		panic(err)
	}
	fmt.Printf("cursor %s, version %d, %d messages\n", state.Cursor, state.Version, n)
	// Output:
	// committed after-uid-2: 2 new, version 1
	// committed after-uid-3: 1 new, version 2
	// stale commit: true
	// deleted: 1
	// cursor after-uid-3-expunged-2, version 3, 2 messages
}

// Listings come in pages: pass each page's NextCursor to get the next one,
// until it is empty. Another tenant's integration is not found.
func ExamplePage() {
	ctx := context.Background()
	st, err := memory.New(memory.Options{})
	if err != nil {
		panic(err)
	}
	defer st.Close()

	in := &store.Integration{TenantID: "acme", Provider: "imap", Name: "Support inbox"}
	if err := st.CreateIntegration(ctx, in, connector.Credentials{Password: "secret"}); err != nil {
		panic(err)
	}
	var msgs []*connector.Message
	for _, subject := range []string{"one", "two", "three", "four", "five"} {
		msgs = append(msgs, &connector.Message{ProviderID: "INBOX:" + subject, Subject: subject})
	}
	if _, err := st.CommitSync(ctx, &store.SyncCommit{TenantID: "acme", IntegrationID: in.ID, Cursor: "c1", Messages: msgs}); err != nil {
		panic(err)
	}

	opts := store.ListMessagesOptions{ListOptions: store.ListOptions{Limit: 2}}
	for {
		page, err := st.ListMessages(ctx, "acme", in.ID, opts)
		if err != nil {
			panic(err)
		}
		var subjects []string
		for _, m := range page.Items {
			subjects = append(subjects, m.Subject)
		}
		fmt.Println(subjects)
		if page.NextCursor == "" {
			break
		}
		opts.Cursor = page.NextCursor
	}

	_, err = st.ListMessages(ctx, "globex", in.ID, store.ListMessagesOptions{})
	fmt.Println("another tenant:", errors.Is(err, store.ErrNotFound))
	// Output:
	// [one two]
	// [three four]
	// [five]
	// another tenant: true
}
