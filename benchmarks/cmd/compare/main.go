// Command compare measures this module's packages against their peers on
// the same machine, in one run, and prints one line per figure:
//
//	<package> <metric> ours=N peer=M ratio=R
//
// Usage:
//
//	cd benchmarks && go run ./cmd/compare queue
//	cd benchmarks && go run ./cmd/compare ratelimit
//
// Redis comes from REDIS_URL (default redis://127.0.0.1:6379/0); every
// comparison uses its own key prefix and deletes its keys afterwards.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
)

// comparisons maps a package name to the function that compares it with
// its peer. Each lives in its own file.
var comparisons = map[string]func(ctx context.Context, redisURL string) error{
	"imap":      compareIMAP,
	"queue":     compareQueue,
	"ratelimit": compareRatelimit,
	"server":    compareServer,
}

func main() {
	if len(os.Args) != 2 || comparisons[os.Args[1]] == nil {
		names := make([]string, 0, len(comparisons))
		for n := range comparisons {
			names = append(names, n)
		}
		slices.Sort(names)
		fmt.Fprintf(os.Stderr, "usage: compare %s\n", strings.Join(names, "|"))
		os.Exit(2)
	}
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := comparisons[os.Args[1]](ctx, url); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// report prints one comparison line in the form the issue notes quote.
func report(pkg, metric string, ours, peer float64) {
	ratio := 0.0
	if peer > 0 {
		ratio = ours / peer
	}
	fmt.Printf("%s %s ours=%.0f peer=%.0f ratio=%.2f\n", pkg, metric, ours, peer, ratio)
}
