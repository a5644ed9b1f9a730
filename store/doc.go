// Package store declares what the integration service persists and the
// rules every implementation follows: integrations and their sealed
// credentials, sync cursors, stored messages, the outbox of messages to
// send, outbound events, pending OAuth states and push subscriptions.
//
// Two implementations exist: store/memory for embedded mode and tests, and
// store/postgres for production. store/storetest is the contract suite
// both pass; a new implementation runs it too.
//
// # Tenancy
//
// Every read and write of a tenant's data names the tenant. Another
// tenant's id behaves exactly like a missing one: ErrNotFound.
//
// # Syncing exactly once
//
// [SyncStore.CommitSync] writes one connector.Batch (messages, changes, the
// events they cause, and the cursor that covers them) in one transaction.
// Messages are unique per integration and provider id, and only the commit
// that first stores a message reports it as inserted, so a sync that
// crashes and runs again, or two syncs that race, never announce a message
// twice. A version number fences off a syncer whose job was taken over.
//
// A message may also carry a ProviderRef, its current address at the
// provider (an IMAP folder, UIDVALIDITY and UID), which changes while its
// provider id stays. The store keeps the latest ref of each message, at
// most one message per ref, and resolves a change that names a message by
// its ref alone; a batch that only moves refs inserts and announces
// nothing.
//
// # Secrets
//
// Credentials, PKCE verifiers and push subscriptions' client states are
// sealed with AES-256-GCM by a store/secrets Keyring before they reach
// storage, with the key id beside the ciphertext so that keys can rotate.
// Credentials never appear in an Integration value; the other secrets
// are fields that JSON leaves out.
//
// # Pagination
//
// Listings return a [Page] with an opaque NextCursor. Paging is stable
// under concurrent inserts: no row is returned twice and no existing row
// is skipped.
//
// # Values
//
// Stores copy what they are given and what they return: changing a value
// after a call does not change what is stored. Times are kept to the
// microsecond.
//
// # Errors
//
// Implementations return [ErrNotFound], [ErrConflict],
// [ErrIdempotencyConflict], [ErrInvalid] (as an [InvalidError] naming the
// field) and [ErrInvalidCursor], wrapped so that errors.Is finds them. A
// store with a backing service returns [ErrUnavailable] when it cannot
// reach it now (store/postgres classifies its driver's errors so that
// callers need not); store/memory never does.
package store
