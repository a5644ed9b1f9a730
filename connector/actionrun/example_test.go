package actionrun_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/actionrun"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// A Runner on the memory store marks a stored message seen at the
// provider: the store follows with one message.updated event; asking
// again changes nothing and announces nothing. The mailbox here is a
// fake whose connector is a connector.Modifier and a
// connector.FolderLister (box, in this package's tests); a service
// passes syncrun.RegistryConnect or its own ConnectFunc.
func Example() {
	ctx := context.Background()
	st, _ := memory.New(memory.Options{})
	defer st.Close()
	in := &store.Integration{TenantID: "acme", Provider: "imap", Name: "Support"}
	_ = st.CreateIntegration(ctx, in, connector.Credentials{})

	// A message a sync stored.
	mb := newBox()
	res, _ := st.CommitSync(ctx, &store.SyncCommit{TenantID: "acme", IntegrationID: in.ID, Cursor: "c1", Messages: []*connector.Message{mb.add("INBOX")}})
	msg := res.Inserted[0]

	r, err := actionrun.New(st, actionrun.Options{
		Connect:   mb.connect,
		Providers: []string{"imap", "gmail", "outlook"}, // custom sources have no mailbox
		Publish: func(_ context.Context, events ...*store.Event) {
			for _, ev := range events {
				fmt.Println("event:", ev.Type) // an event outbox would enqueue their delivery here
			}
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	seen := true
	req := &actionrun.Request{TenantID: "acme", IntegrationID: in.ID, MessageIDs: []string{msg.ID}, Action: connector.Action{Seen: &seen}}
	out, _ := r.Do(ctx, req)
	fmt.Println(out.Messages[0].Outcome, out.Messages[0].Message.Flags)
	out, _ = r.Do(ctx, req) // the client retries
	fmt.Println(out.Messages[0].Outcome)

	folders, _ := r.Folders(ctx, "acme", in.ID)
	archive, _ := connector.FolderByRole(folders, connector.RoleArchive)
	fmt.Println("archive:", archive.ID)
	// Output:
	// event: message.updated
	// updated [\Seen]
	// unchanged
	// archive: Archive
}
