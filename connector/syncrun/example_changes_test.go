package syncrun_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// After a connector.Modifier flagged a message at the provider,
// ApplyActionResult makes the store follow and stores the
// message.updated event of what really changed, with source "api"; the
// same result again changes nothing and announces nothing.
func ExampleApplyActionResult() {
	ctx := context.Background()
	st, _ := memory.New(memory.Options{})
	defer st.Close()
	in := &store.Integration{TenantID: "acme", Provider: "imap", Name: "Support"}
	_ = st.CreateIntegration(ctx, in, connector.Credentials{})
	res, _ := st.CommitSync(ctx, &store.SyncCommit{TenantID: "acme", IntegrationID: in.ID, Cursor: "c1",
		Messages: []*connector.Message{{ProviderID: "INBOX/k1", Folders: []string{"INBOX"}, Flags: []string{connector.FlagSeen}}}})
	m := res.Inserted[0]

	flagged := connector.ActionResult{ProviderID: m.ProviderID, Known: true,
		Flags: []string{connector.FlagSeen, connector.FlagFlagged}, Folders: []string{"INBOX"}}
	events, err := syncrun.ApplyActionResult(ctx, st, m, flagged)
	if err != nil {
		panic(err)
	}
	var d syncrun.MessageUpdatedData
	_ = json.Unmarshal(events[0].Payload, &d)
	changes, _ := json.Marshal(d.Changes)
	fmt.Println(events[0].Type, d.Source, string(changes))

	again, _ := syncrun.ApplyActionResult(ctx, st, m, flagged)
	fmt.Println(len(again), "events the second time")
	// Output:
	// message.updated api {"flags":{"added":["\\Flagged"],"removed":[]}}
	// 0 events the second time
}
