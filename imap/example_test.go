package imap_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap"
)

// New validates the configuration and names what is wrong.
func ExampleNew() {
	_, err := imap.New(imap.Config{Host: "imap.example.com:993", Username: "support@example.com"})
	fmt.Println(err)
	var v *connector.ValidationError
	fmt.Println(errors.As(err, &v), errors.Is(err, connector.ErrPermanent))
	// Output:
	// imap: invalid config: Host must be a host name or IP address without scheme or port, got "imap.example.com:993"; Password or TokenSource is required
	// true true
}

// A sync hands out batches, each with the cursor that covers it; a
// later sync from the last cursor reports only what changed.
func ExampleConnector_Sync() {
	addr, deliver, stop := exampleServer(nil)
	defer stop()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	c, err := imap.New(imap.Config{
		Host: host, Port: p, Security: imap.SecurityNone, // a loopback test server
		Username: "support@example.com", Password: "secret",
		BatchSize: 2,
	})
	if err != nil {
		panic(err)
	}
	defer func() { _ = c.Close() }()
	ctx := context.Background()
	for i := range 3 {
		deliver(fmt.Sprintf("Order %d", i))
	}

	var cursor connector.Cursor // the caller stores it with each batch
	sync := func() {
		err := c.Sync(ctx, cursor, func(_ context.Context, b *connector.Batch) error {
			for _, m := range b.Messages {
				fmt.Printf("%s (%s)\n", m.Subject, m.ProviderRef)
			}
			cursor = b.Cursor
			return nil
		})
		if err != nil {
			panic(err)
		}
	}
	sync()
	deliver("Order 3")
	fmt.Println("-- later")
	sync()
	// Output:
	// Order 0 (INBOX;UIDVALIDITY=1/;UID=1)
	// Order 1 (INBOX;UIDVALIDITY=1/;UID=2)
	// Order 2 (INBOX;UIDVALIDITY=1/;UID=3)
	// -- later
	// Order 3 (INBOX;UIDVALIDITY=1/;UID=4)
}

// exampleServer starts go-imap's in-memory server on a loopback port,
// with INBOX and the given folders, and the given extensions beside
// IMAP4rev1.
func exampleServer(folders []string, caps ...goimap.Cap) (addr string, deliver func(subject string), stop func()) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("support@example.com", "secret")
	for _, f := range append([]string{"INBOX"}, folders...) {
		if err := user.Create(f, nil); err != nil {
			panic(err)
		}
	}
	capSet := goimap.CapSet{goimap.CapIMAP4rev1: {}}
	for _, c := range caps {
		capSet[c] = struct{}{}
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         capSet,
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() { _ = srv.Serve(ln) }()
	n := 0
	deliver = func(subject string) {
		n++
		raw := fmt.Sprintf("Message-ID: <%d@example.org>\r\nFrom: customer@example.org\r\nSubject: %s\r\n\r\nHello\r\n", n, subject)
		if _, err := user.Append("INBOX", bytes.NewReader([]byte(raw)), &goimap.AppendOptions{}); err != nil {
			panic(err)
		}
	}
	return ln.Addr().String(), deliver, func() { _ = srv.Close() }
}

// Modify marks messages and moves them at the server; a moved message's
// result says where it is now. Bad actions are refused naming the field.
func ExampleConnector_Modify() {
	addr, deliver, stop := exampleServer([]string{"Done"}, goimap.CapUIDPlus, goimap.CapMove)
	defer stop()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	c, err := imap.New(imap.Config{
		Host: host, Port: p, Security: imap.SecurityNone, // a loopback test server
		Username: "support@example.com", Password: "secret",
	})
	if err != nil {
		panic(err)
	}
	defer func() { _ = c.Close() }()
	ctx := context.Background()
	deliver("Order 1")
	var ref connector.MessageRef // as the caller stored it from a sync
	err = c.Sync(ctx, "", func(_ context.Context, b *connector.Batch) error {
		for _, m := range b.Messages {
			ref = connector.MessageRef{ProviderID: m.ProviderID, ProviderRef: m.ProviderRef}
		}
		return nil
	})
	if err != nil {
		panic(err)
	}

	seen := true
	res, err := c.Modify(ctx, []connector.MessageRef{ref}, connector.Action{Seen: &seen, MoveTo: "Done"})
	if err != nil {
		panic(err)
	}
	fmt.Println(res[0].ProviderRef, res[0].Flags, res[0].Folders)

	_, err = c.Modify(ctx, []connector.MessageRef{ref}, connector.Action{MoveTo: "Dnoe"})
	fmt.Println(err)
	_, err = c.Modify(ctx, []connector.MessageRef{ref}, connector.Action{AddLabels: []string{"urgent"}})
	fmt.Println(err)
	// Output:
	// Done;UIDVALIDITY=2/;UID=1 [\Seen] [Done]
	// imap: invalid action: folder "Dnoe" does not exist
	// connector: invalid action: add_labels is not supported by this provider (it has folders, not labels)
}
