// Command imap-smtp is an IMAP-in, SMTP-out integration built from the
// module's packages: it registers the "imap" provider with an SMTP sender
// for the same mailbox, tests the connection, syncs the configured
// folders and, when -to is given, sends a message.
//
//	IMAP_PASSWORD=secret go run ./examples/imap-smtp \
//	    -settings '{"email":"support@example.com","imap":{"host":"imap.example.com"},"smtp":{"host":"smtp.example.com"}}' \
//	    -to customer@example.org
//
// The password comes from the environment, never from a flag, so that it
// stays out of shell history and process listings.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap"
	"github.com/ucsp/integration/smtp"
)

func main() {
	settings := flag.String("settings", "", "the integration's JSON settings (see imap.Settings)")
	to := flag.String("to", "", "send a test message to this address after syncing")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := options{
		Settings: json.RawMessage(*settings),
		Password: os.Getenv("IMAP_PASSWORD"),
		To:       *to,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, nil)),
	}
	if _, err := run(ctx, opts, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "imap-smtp:", err)
		os.Exit(1)
	}
}

// options are run's inputs.
type options struct {
	Settings json.RawMessage
	Password string
	To       string // empty: sync only
	Logger   *slog.Logger
}

// result is what run did.
type result struct {
	Messages []*connector.Message
	Sent     *connector.SendResult
}

// newRegistry registers "imap" as IMAP in + SMTP out. A real service
// would also pass an oauth2.Config to both factories for XOAUTH2.
func newRegistry() (*connector.Registry, error) {
	var reg connector.Registry
	err := reg.Register("imap", imap.Factory(imap.FactoryOptions{
		Sender: smtp.SenderFactory(smtp.FactoryOptions{}),
	}))
	return &reg, err
}

func run(ctx context.Context, opts options, out io.Writer) (*result, error) {
	reg, err := newRegistry()
	if err != nil {
		return nil, err
	}
	c, err := reg.New(ctx, connector.Config{
		Provider:    "imap",
		Settings:    opts.Settings,
		Credentials: connector.Credentials{Password: opts.Password},
		Logger:      opts.Logger,
	})
	if err != nil {
		var ve *connector.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				fmt.Fprintf(out, "setting %s %s\n", f.Field, f.Message)
			}
		}
		return nil, err
	}
	if cl, ok := c.(io.Closer); ok {
		defer func() { _ = cl.Close() }()
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.Test(tctx); err != nil {
		return nil, fmt.Errorf("testing the connection: %w", err)
	}

	res := &result{}
	err = c.Sync(ctx, "", func(_ context.Context, b *connector.Batch) error {
		for _, m := range b.Messages {
			from := ""
			if len(m.From) > 0 {
				from = m.From[0].Email
			}
			fmt.Fprintf(out, "%s  %-30.30s  %s\n", m.Date.Format(time.DateTime), from, m.Subject)
		}
		res.Messages = append(res.Messages, b.Messages...)
		return nil // a real caller commits b.Cursor with the messages
	})
	if err != nil {
		return nil, fmt.Errorf("syncing: %w", err)
	}
	fmt.Fprintf(out, "%d messages\n", len(res.Messages))

	if opts.To == "" {
		return res, nil
	}
	var s struct {
		Email string `json:"email"`
	}
	if err := json.Unmarshal(opts.Settings, &s); err != nil {
		return nil, err
	}
	msg := &connector.OutboundMessage{
		MessageID: connector.NewMessageID(s.Email),
		From:      connector.Address{Email: s.Email},
		To:        []connector.Address{{Email: opts.To}},
		Subject:   "Test from the imap-smtp example",
		Text:      "It works.",
	}
	res.Sent, err = c.Send(ctx, msg)
	if err != nil {
		return nil, fmt.Errorf("sending: %w", err)
	}
	fmt.Fprintf(out, "sent <%s>\n", res.Sent.MessageID)
	return res, nil
}
