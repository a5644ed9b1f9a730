package gmail_test

import (
	"context"
	"fmt"
	"log"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// Listing a mailbox's labels as folders and acting on a message, here
// on the fake Gmail server: archiving is removing INBOX.
func ExampleConnector_Modify() {
	srv := gmailtest.NewServer(gmailtest.Options{})
	defer srv.Close()
	mb := srv.AddUser("support@example.com")
	id, _ := mb.Insert([]byte("From: jane@example.org\r\nTo: support@example.com\r\nSubject: Where is my order?\r\n\r\nHi\r\n"))

	c, err := gmail.New(gmail.Config{
		Email:       "support@example.com",
		TokenSource: oauth2.StaticTokenSource(srv.IssueToken("support@example.com")),
		Endpoint:    srv.Endpoint(),
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	folders, err := c.Folders(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range []connector.Role{connector.RoleInbox, connector.RoleJunk, connector.RoleArchive} {
		f, ok := connector.FolderByRole(folders, r)
		fmt.Printf("%s: %q %v\n", r, f.ID, ok)
	}

	seen := true
	res, err := c.Modify(ctx, []connector.MessageRef{{ProviderID: id}}, connector.Action{Seen: &seen, MoveToRole: connector.RoleArchive})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res[0].Labels, res[0].Flags, res[0].Err)
	// Output:
	// inbox: "INBOX" true
	// junk: "SPAM" true
	// archive: "" false
	// [] [\Seen] <nil>
}
