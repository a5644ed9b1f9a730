package outlook_test

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// A connector syncs a mailbox of the fake Graph: the first sync returns
// every message and a cursor holding the folder's delta link.
func Example() {
	srv := outlooktest.NewServer(outlooktest.Options{})
	defer srv.Close()
	mb := srv.AddUser("support@contoso.example")
	_, _ = mb.Insert([]byte("From: Customer <customer@example.org>\r\nSubject: Where is my order?\r\nMessage-ID: <q1@example.org>\r\n\r\nHello\r\n"), outlooktest.Inbox)

	c, err := outlook.New(outlook.Config{
		Email:       "support@contoso.example",
		TokenSource: oauth2.StaticTokenSource(srv.IssueToken("support@contoso.example")),
		Endpoint:    srv.Endpoint(),
	})
	if err != nil {
		panic(err)
	}
	err = c.Sync(context.Background(), "", func(_ context.Context, b *connector.Batch) error {
		for _, m := range b.Messages {
			fmt.Println(m.MessageID, m.Subject, m.Folders)
		}
		links, _ := outlook.DeltaLinks(b.Cursor)
		fmt.Println(strings.Contains(links["inbox"], "$deltatoken="))
		return nil
	})
	fmt.Println(err)
	// Output:
	// q1@example.org Where is my order? [inbox]
	// true
	// <nil>
}

// The webhook route maps each notification of a body to what to do.
func ExampleActionOf() {
	body := `{"value":[
		{"subscriptionId":"s1","clientState":"secret","changeType":"created","resource":"Users/u/Messages/m"},
		{"subscriptionId":"s1","clientState":"secret","lifecycleEvent":"reauthorizationRequired"},
		{"subscriptionId":"s2","clientState":"secret","lifecycleEvent":"subscriptionRemoved"},
		{"subscriptionId":"s3","clientState":"secret","lifecycleEvent":"missed"}]}`
	ns, err := outlook.ParseNotifications(strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	for _, n := range ns {
		fmt.Println(n.SubscriptionID, outlook.ActionOf(n))
	}
	// Output:
	// s1 sync
	// s1 reauthorize
	// s2 recreate
	// s3 resync
}
