// Package server is the reference server of github.com/ucsp/integration,
// the program behind cmd/integration-service: it reads its configuration
// from the environment, opens the store, queue and rate limiter of its
// mode, and serves the HTTP API and runs the job workers.
//
// # Modes
//
// Without DATABASE_URL and REDIS_URL the server runs embedded: memory
// store, memory queue, memory rate limiter, API and worker in one
// process, ephemeral keys. Nothing is durable, and it says so at start.
// With both it runs in production mode, and each process plays a Role:
// the API (RoleServe), the job worker (RoleWorker) or both (RoleAll).
//
// # HTTP
//
// Routes are chi routes (see Handler); errors are RFC 9457
// problem+json; API calls carry an HS256 JWT whose tenant_id scopes every
// query; the document at /openapi.json describes every route and a test
// checks it against the router and against real traffic.
//
// The package is internal: operators run the command, teams that compose
// their own service import the packages it wires (store, queue,
// ratelimit, health, imap, smtp).
package server
