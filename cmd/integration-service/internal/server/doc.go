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
// # Custom sources and sending
//
// POST /webhooks/custom/{integrationId} (webhook_custom.go) is served by
// webhook/custom: the source's Standard Webhooks verifier (cached,
// replay-protected in Redis or memory), the two body kinds decoded and
// sanitized, deliveries committed in groups with their message.received
// events; the route maps its errors to problems. POST
// /api/v1/integrations/{id}/messages (api_send.go) decodes the request
// and checks quotas, then connector/sendrun stores the outbox entry and
// enqueues the "send" job, whose processor (registered from sendrun)
// sends once as far as it can be and announces message.sent or
// message.failed.
//
// # Mailbox sign-in
//
// The OAuth flow is connector/signin's (signin.Flow), the tokens it
// obtains connector/oauthtokens' (oauthtokens.Manager); oauth_routes.go
// serves their two routes per provider, oauth_google.go and
// oauth_microsoft.go describe the providers from package gmail and
// outlook, oauth_setup.go wires them.
//
// GET /auth/{google,microsoft}/authorize, called by the platform's
// backend with a tenant JWT, starts an OAuth sign-in bound to the
// tenant and to the mailbox the backend states (email, or the address
// of the integration reauthorized): a single-use state, 10 minutes,
// with the PKCE verifier sealed, the expected mailbox and an OpenID
// Connect nonce. The callback connects only that mailbox: it compares
// the verified address of the account that signed in (Google's id_token
// through gmail.VerifySignIn, which also reads users.getProfile;
// Graph's /me through outlook.VerifySignIn) with the expected one, and
// another creates and changes nothing (403 oauth-mailbox-mismatch; its
// tokens dropped, not revoked: Google would end the account's grant that
// another tenant's integration may hold). Which addresses a tenant may connect is the
// backend's decision, made when it asks for the link. A return_url
// under an entry of OAUTH_RETURN_URLS receives the outcome (303, query
// status, provider, integration_id or error; never a token); without
// the allow-list none is accepted. A connected mailbox's push
// registration starts and its first sync is enqueued. Its tokens are
// refreshed by one process at a time (a lease in Redis), and ahead of
// expiry by the refresh-tokens job. Deleting a gmail integration
// revokes its Google grant unless another integration of the mailbox
// remains; Microsoft has no per-grant revocation.
//
// # Where things are
//
// Files are named by concern: api_ (the tenant API), webhook_, oauth_,
// job_, dashboard_, ops_ (health, metrics, queue statistics, the admin
// listener, logs, traces), config_ (the environment), app_ (what New
// opens). Each concern's handlers are a type holding what it uses,
// built in router.go (newHandlers).
//
//   - Routes: router.go (Handler, apiRoutes: every public route and its
//     handler), ops_admin.go (AdminHandler: the admin listener).
//   - Tenant API: api_integrations.go, api_integration_actions.go (test
//     on connector/syncrun's Checks, sync on its Runner), api_messages.go,
//     api_folders.go and api_actions.go (folders and message actions on
//     connector/actionrun; api_folders_check.go checks the folders a
//     config chooses), api_events.go (webhook/outbox redelivers), api_quota.go
//     (store/quota), api_send.go (POST .../messages on connector/sendrun);
//     api_auth.go verifies the JWTs.
//   - Inbound webhooks: POST /webhooks/custom/{integrationId} in
//     webhook_custom.go (webhook/custom verifies, decodes and stores);
//     POST /webhooks/gmail in webhook_gmail.go (webhook/pubsub verifies,
//     connector/pushwatch finds the mailboxes); POST /webhooks/microsoft
//     and /webhooks/microsoft/lifecycle in webhook_graph.go (webhook's
//     Graph verifier, connector/pushwatch).
//   - OAuth: GET /auth/{google,microsoft}/authorize and /callback in
//     oauth_routes.go, on connector/signin (built in oauth_setup.go, the
//     providers described in oauth_google.go and oauth_microsoft.go);
//     tokens on connector/oauthtokens (connectors.go gives each
//     connector its token source).
//   - Job processors: job_types.go names every job type and where it
//     is processed: connector/syncrun (sync, sweep, connectivity
//     checks), webhook/outbox (event delivery and its sweep),
//     connector/sendrun (send), connector/pushwatch (watch renewal, Graph
//     lifecycle), connector/oauthtokens (refresh-tokens, run by
//     oauth_refresh_job.go with the sweep of expired sign-ins);
//     job_worker.go registers and schedules them.
//
// The package is internal: operators run the command, teams that compose
// their own service import the packages it wires (store, queue,
// ratelimit, health, imap, smtp, connector/syncrun for the mailboxes'
// syncs, watchers and connectivity checks, connector/pushwatch for their
// Gmail watches and Graph subscriptions, connector/signin and
// connector/oauthtokens for their sign-in and tokens, connector/sendrun
// for sending, webhook/custom for custom sources, webhook/outbox for the
// events, store/quota for the tenant quotas).
package server
