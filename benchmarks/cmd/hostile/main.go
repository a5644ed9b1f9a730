// Command hostile measures what a hostile client costs the reference
// server (cmd/integration-service), run as its own process on loopback,
// and prints one line per figure:
//
//	<attack> <metric> before=N after=M
//
// "before" is the figure ahead of the attack, "after" once it is over.
// Usage:
//
//	cd benchmarks && go run ./cmd/hostile [-bin path] metrics
//
// -bin runs a binary built elsewhere (an older commit, say) instead of
// building the main module's, so that two versions compare.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
)

// attacks maps a name to the function that runs it against the binary.
var attacks = map[string]func(ctx context.Context, bin string) error{
	"metrics": attackMetrics,
}

func main() {
	bin := flag.String("bin", "", "the server binary (default: build ./cmd/integration-service of the main module)")
	flag.Parse()
	if flag.NArg() != 1 || attacks[flag.Arg(0)] == nil {
		names := make([]string, 0, len(attacks))
		for n := range attacks {
			names = append(names, n)
		}
		slices.Sort(names)
		fmt.Fprintf(os.Stderr, "usage: hostile [-bin path] %s\n", strings.Join(names, "|"))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	path := *bin
	if path == "" {
		b, clean, err := build(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hostile:", err)
			os.Exit(1)
		}
		defer clean()
		path = b
	}
	if err := attacks[flag.Arg(0)](ctx, path); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

// build builds cmd/integration-service as the release build does.
func build(ctx context.Context) (string, func(), error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/ucsp/integration").Output()
	if err != nil {
		return "", nil, fmt.Errorf("locating the main module: %w", err)
	}
	dir, err := os.MkdirTemp("", "hostile-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "integration-service")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./cmd/integration-service")
	cmd.Dir = strings.TrimSpace(string(out))
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	if b, err := cmd.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("go build: %w\n%s", err, b)
	}
	return bin, func() { _ = os.RemoveAll(dir) }, nil
}

// report prints one figure.
func report(attack, metric string, before, after float64) {
	fmt.Printf("%s %s before=%.0f after=%.0f\n", attack, metric, before, after)
}
