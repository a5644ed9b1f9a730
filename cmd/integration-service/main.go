// Command integration-service is the reference server of
// github.com/ucsp/integration: it connects tenants' mailboxes, brings
// their mail in and sends their replies.
//
// With no DATABASE_URL and REDIS_URL it runs in embedded mode: state in
// memory, nothing durable, no setup needed:
//
//	go run ./cmd/integration-service
//	curl localhost:3003/health
//
// Configuration comes from the environment; PORT (default 3003) sets the
// listening port.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Getenv, logger); err != nil {
		fmt.Fprintln(os.Stderr, "integration-service:", err)
		os.Exit(1)
	}
}
