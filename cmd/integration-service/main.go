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
// With both it runs in production mode. Subcommands:
//
//	integration-service [all]    the API and the job worker (default)
//	integration-service serve    the API only
//	integration-service worker   the job worker only (and /health, /metrics)
//	integration-service migrate  apply database migrations, then exit
//	integration-service healthcheck [ready|live]
//	                             probe the local instance (container HEALTHCHECK)
//	integration-service token -tenant ID [-sub S] [-tier T] [-ttl D]
//	                             print an API token signed with JWT_SECRET
//	integration-service version  print the build's version
//
// Configuration comes from the environment; .env.example documents each
// variable. SIGTERM or SIGINT drains in-flight requests and jobs, within
// SHUTDOWN_TIMEOUT, and exits 0.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
