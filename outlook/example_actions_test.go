package outlook_test

import (
	"context"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// Listing a mailbox's folders and moving a message to the archive, on
// the fake Graph: role folders are named by their well-known names, and
// the message keeps its (immutable) id.
func ExampleConnector_Modify() {
	srv := outlooktest.NewServer(outlooktest.Options{})
	defer srv.Close()
	mb := srv.AddUser("support@contoso.example")
	id, _ := mb.Insert([]byte("From: Customer <customer@example.org>\r\nSubject: Where is my order?\r\nMessage-ID: <q1@example.org>\r\n\r\nHello\r\n"), outlooktest.Inbox)

	c, err := outlook.New(outlook.Config{
		Email:       "support@contoso.example",
		TokenSource: oauth2.StaticTokenSource(srv.IssueToken("support@contoso.example")),
		Endpoint:    srv.Endpoint(),
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	folders, err := c.Folders(ctx)
	if err != nil {
		panic(err)
	}
	for _, f := range folders {
		fmt.Printf("%s %q %s %d/%d\n", f.ID, f.Name, f.Role, f.Unseen, f.Total)
	}

	seen := true
	res, err := c.Modify(ctx, []connector.MessageRef{{ProviderID: id}}, connector.Action{Seen: &seen, MoveToRole: connector.RoleArchive})
	if err != nil {
		panic(err)
	}
	fmt.Println(res[0].ProviderID == id, res[0].Folders, res[0].Flags, res[0].Err)
	// Output:
	// inbox "Inbox" inbox 1/1
	// sentitems "Sent Items" sent 0/0
	// drafts "Drafts" drafts 0/0
	// deleteditems "Deleted Items" trash 0/0
	// junkemail "Junk Email" junk 0/0
	// archive "Archive" archive 0/0
	// true [archive] [\Seen] <nil>
}
