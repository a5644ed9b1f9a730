// Package integration is the integration layer of a customer-service
// platform, as a Go SDK with one reference server: it connects a tenant's
// mailboxes (Gmail, Outlook / Microsoft 365, any IMAP + SMTP server,
// custom webhook sources), brings every inbound message in exactly once,
// sends every reply out once, and tells the rest of the platform what
// happened.
//
// This root package holds no code. Import the package you need; each one
// stands alone, and a provider package never pulls in another provider's
// SDK.
//
// # Packages
//
//   - connector: the abstraction every mailbox implements (Connector,
//     Message, Cursor, Credentials, error kinds, a Registry value).
//   - connector/connectortest: the conformance suite every connector
//     passes, and an in-memory mailbox for tests.
//   - connector/syncrun: runs connectors' syncs into a store with their
//     events, coalesced triggers, the catch-up sweep, the error policy
//     and the real-time (IMAP IDLE) watchers, connectivity checks.
//   - connector/actionrun: lists mailboxes' folders and acts on their
//     messages at the provider (seen, flagged, labels, moves), the store
//     following with message.updated / message.deleted events.
//   - connector/pushwatch: keeps the mailboxes' push registrations (Gmail
//     watches, Graph subscriptions) and turns their pushes into syncs.
//   - connector/signin: the OAuth sign-in that connects a tenant's
//     mailbox, bound to the mailbox the tenant states.
//   - connector/oauthtokens: mailbox integrations' OAuth tokens, refreshed
//     one at a time across processes and saved before use; revocation.
//   - connector/automated: tells mail a machine wrote (auto-replies,
//     bounces, list mail) from a person's, so that nothing answers a
//     machine; connector/sendrun's LoopGuard holds automated sends to it.
//   - connector/safehtml: a message's HTML made safe to show in an agent
//     UI, its cid: images pointed where the caller serves them.
//   - gmail: the Gmail API connector and the Google OAuth flow.
//   - outlook: the Microsoft Graph connector and the Microsoft OAuth flow.
//   - imap: the IMAP connector (UID/CONDSTORE sync, IDLE).
//   - smtp: the SMTP sender (password and XOAUTH2).
//   - queue: a reliable Redis job queue with an in-memory twin.
//   - queue/lease: leases that spread long-running work over processes
//     (Redis or memory), and serve as locks with a time limit.
//   - ratelimit: one-round-trip Redis rate limiting, tiers, HTTP middleware.
//   - store: what the service persists; store/memory, store/postgres,
//     store/storetest (the contract), store/secrets (sealed secrets),
//     store/quota (what one tenant may hold: integrations, pending sends).
//   - webhook: verifying inbound webhooks, signing outbound events.
//   - webhook/outbox: delivering a store's events through a queue,
//     signed, with retries, redelivery and a sweep for lost enqueues.
//   - health: liveness, readiness and detailed health checks.
//   - cmd/integration-service: the reference server.
//   - examples: small programs, one per folder.
//
// # Example
//
// Sync a mailbox into a store, committing each batch with its cursor so
// that a crash at any point neither loses nor duplicates a message
// (connector/syncrun does this as a queue job, with events, triggers and
// retries):
//
//	st, _ := memory.New(memory.Options{})
//	state, _ := st.SyncState(ctx, tenant, id)
//	version := state.Version
//	err := conn.Sync(ctx, state.Cursor, func(ctx context.Context, b *connector.Batch) error {
//		res, err := st.CommitSync(ctx, &store.SyncCommit{
//			TenantID: tenant, IntegrationID: id, Version: version,
//			Cursor: b.Cursor, Messages: b.Messages, Changes: b.Changes,
//		})
//		if err != nil {
//			return err
//		}
//		version = res.Version
//		for _, m := range res.Inserted {
//			fmt.Println("new:", m.Subject)
//		}
//		return nil
//	})
package integration
