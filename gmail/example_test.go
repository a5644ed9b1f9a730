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

// Syncing a mailbox, here on the fake Gmail server: the first sync lists
// everything, the next one reads the history from the stored cursor.
func ExampleConnector_Sync() {
	srv := gmailtest.NewServer(gmailtest.Options{})
	defer srv.Close()
	mb := srv.AddUser("support@example.com")
	_, _ = mb.Insert([]byte("From: jane@example.org\r\nTo: support@example.com\r\nSubject: Where is my order?\r\n\r\nHi\r\n"))

	c, err := gmail.New(gmail.Config{
		Email:       "support@example.com",
		TokenSource: oauth2.StaticTokenSource(srv.IssueToken("support@example.com")),
		Endpoint:    srv.Endpoint(),
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	var cursor connector.Cursor
	sync := func() {
		err := c.Sync(ctx, cursor, func(_ context.Context, b *connector.Batch) error {
			for _, m := range b.Messages {
				fmt.Printf("%s (%v)\n", m.Subject, m.Labels)
			}
			cursor = b.Cursor // commit with the messages, in one transaction
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	sync()
	_, _ = mb.Insert([]byte("From: joe@example.org\r\nTo: support@example.com\r\nSubject: Refund\r\n\r\nHi\r\n"))
	sync()
	// Output:
	// Where is my order? ([INBOX UNREAD])
	// Refund ([INBOX UNREAD])
}

// A Pub/Sub push's message.data, decoded; NeedsSync compares it with the
// integration's stored cursor.
func ExampleParseNotification() {
	n, err := gmail.ParseNotification("eyJlbWFpbEFkZHJlc3MiOiJzdXBwb3J0QGV4YW1wbGUuY29tIiwiaGlzdG9yeUlkIjo5ODc2fQ==")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.EmailAddress, n.HistoryID)
	fmt.Println(gmail.NeedsSync("gmail1:h:9000", n), gmail.NeedsSync("gmail1:h:9876", n))
	// Output:
	// support@example.com 9876
	// true false
}
