// Command imap-sync connects to an IMAP mailbox, syncs one folder once,
// from the beginning, and prints the subject of each message it finds,
// then how many there were.
//
//	IMAP_PASSWORD=secret go run ./examples/imap-sync \
//	    -addr imap.example.com:993 -user support@example.com -max 20
//
// The connection uses implicit TLS unless -security says otherwise
// ("starttls", or "none" for a test server on loopback). The password comes
// from the environment, never from a flag, so that it stays out of shell
// history and process listings.
//
// A real service keeps the cursor of each batch (b.Cursor) with the
// messages, and hands it back to the next Sync to get only what changed:
// see examples/custom-server.
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

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.Addr, "addr", "", "the IMAP server, host:port")
	flag.StringVar(&cfg.User, "user", "", "the login name")
	flag.StringVar(&cfg.Folder, "folder", "INBOX", "the folder to sync")
	flag.StringVar(&cfg.Security, "security", "tls", `"tls", "starttls" or "none" (plaintext, loopback only)`)
	flag.IntVar(&cfg.Max, "max", 20, "print the subjects of the first max messages only")
	flag.Parse()
	cfg.Password = os.Getenv("IMAP_PASSWORD")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "imap-sync:", err)
		os.Exit(1)
	}
}

// config is run's input.
type config struct {
	Addr     string // host:port
	User     string
	Password string
	Folder   string
	Security string
	Max      int // subjects printed; the count covers every message
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	portNum, err := strconv.Atoi(port)
	if err != nil {
		return fmt.Errorf("-addr: bad port %q", port)
	}
	// New checks the configuration (a *imap.ConfigError names the field
	// at fault) and dials nothing.
	c, err := imap.New(imap.Config{
		Host:     host,
		Port:     portNum,
		Security: imap.Security(cfg.Security),
		Username: cfg.User,
		Password: cfg.Password,
		Folders:  []string{cfg.Folder},
	})
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()

	// An empty cursor syncs from the beginning. Sync hands the messages
	// over in batches, oldest first.
	n := 0
	err = c.Sync(ctx, "", func(_ context.Context, b *connector.Batch) error {
		for _, m := range b.Messages {
			n++
			if n <= cfg.Max {
				fmt.Fprintf(out, "%5d  %s\n", n, m.Subject)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("syncing %s: %w", cfg.Folder, err)
	}
	fmt.Fprintf(out, "%d messages in %s\n", n, cfg.Folder)
	return nil
}
