// Command mailgen writes a generated mailbox into a Maildir, for test
// servers such as Dovecot:
//
//	go run ./internal/mailgen/cmd/mailgen -maildir /tmp/mail/alice/Maildir -count 10000 -seed 42
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ucsp/integration/internal/mailgen"
)

func main() {
	dir := flag.String("maildir", "", "the Maildir to fill (required)")
	count := flag.Int("count", 10000, "how many messages")
	seed := flag.Uint64("seed", 42, "the generator's seed")
	to := flag.String("to", "alice@example.test", "the recipient address")
	flag.Parse()
	if *dir == "" || *count < 0 {
		flag.Usage()
		os.Exit(2)
	}
	start := time.Now()
	n, err := mailgen.WriteMaildir(*dir, *seed, *count, *to)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mailgen:", err)
		os.Exit(1)
	}
	fmt.Printf("mailgen: %d messages, %.1f MB in %s\n", *count, float64(n)/1e6, time.Since(start).Round(time.Millisecond))
}
