// Command smtp-reply sends a reply over SMTP: a message whose In-Reply-To
// and References name the message it answers, so that the recipient's mail
// program files it in the same conversation.
//
//	SMTP_PASSWORD=secret go run ./examples/smtp-reply \
//	    -addr smtp.example.com:587 -user support@example.com \
//	    -from support@example.com -to customer@example.org \
//	    -in-reply-to 'CAF1x2y3@mail.example.org' -subject 'Where is my order?' \
//	    -text 'It left our warehouse this morning.'
//
// -in-reply-to is the original's Message-ID (with or without angle
// brackets); -references lists the Message-IDs of the thread before it,
// oldest first, as the original's References header gave them. The
// connection uses STARTTLS unless -security says otherwise ("tls", or "none"
// for a test sink on loopback). The password comes from the environment,
// never from a flag.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/smtp"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.Addr, "addr", "", "the SMTP submission server, host:port")
	flag.StringVar(&cfg.Security, "security", "starttls", `"starttls", "tls" or "none" (plaintext, loopback only)`)
	flag.StringVar(&cfg.User, "user", "", "the login name; empty: no AUTH")
	flag.StringVar(&cfg.From, "from", "", "the sender's address")
	flag.StringVar(&cfg.To, "to", "", "the recipient's address")
	flag.StringVar(&cfg.Subject, "subject", "", `the original's subject ("Re: " is added)`)
	flag.StringVar(&cfg.Text, "text", "", "the reply's text")
	flag.StringVar(&cfg.InReplyTo, "in-reply-to", "", "the Message-ID of the message answered")
	flag.StringVar(&cfg.References, "references", "", "the Message-IDs of the thread before it, space-separated")
	flag.Parse()
	cfg.Password = os.Getenv("SMTP_PASSWORD")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "smtp-reply:", err)
		os.Exit(1)
	}
}

// config is run's input.
type config struct {
	Addr       string // host:port
	Security   string
	User       string
	Password   string
	From       string
	To         string
	Subject    string
	Text       string
	InReplyTo  string
	References string
}

// run sends the reply and returns what was sent.
func run(ctx context.Context, cfg config, out io.Writer) (*connector.OutboundMessage, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("-addr: %w", err)
	}
	portNum, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("-addr: bad port %q", port)
	}
	auth := smtp.AuthAuto
	if cfg.User == "" {
		auth = smtp.AuthNone
	}
	// New checks the configuration and dials nothing.
	s, err := smtp.New(smtp.Config{
		Host:     host,
		Port:     portNum,
		Security: smtp.Security(cfg.Security),
		Auth:     auth,
		Username: cfg.User,
		Password: cfg.Password,
	})
	if err != nil {
		return nil, err
	}

	original := strings.Trim(cfg.InReplyTo, "<>")
	if original == "" {
		return nil, fmt.Errorf("-in-reply-to: the Message-ID of the original is required")
	}
	// References is the thread so far, oldest first, then the message
	// answered.
	var refs []string
	for _, r := range strings.Fields(cfg.References) {
		refs = append(refs, strings.Trim(r, "<>"))
	}
	refs = append(refs, original)

	subject := cfg.Subject
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	msg := &connector.OutboundMessage{
		// The Message-ID is chosen before sending and kept across
		// retries, so that a retry is recognisable as the same message.
		MessageID:  connector.NewMessageID(cfg.From),
		From:       connector.Address{Email: cfg.From},
		To:         []connector.Address{{Email: cfg.To}},
		Subject:    subject,
		Text:       cfg.Text,
		InReplyTo:  original,
		References: refs,
	}
	// Send validates msg before it connects: a bad address fails here
	// without dialling.
	res, err := s.Send(ctx, msg)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "sent <%s> in reply to <%s>\n", res.MessageID, original)
	return msg, nil
}
