// Package connector is the abstraction every mailbox provider implements:
// a Connector tests its credentials, syncs incrementally from an opaque
// Cursor and sends an OutboundMessage. It holds no provider code; the
// imap, gmail and outlook packages implement it, and
// connector/connectortest checks that they do it right.
//
// # Syncing
//
// A mailbox may hold hundreds of thousands of messages, so a sync never
// returns them all at once. [Syncer.Sync] hands its results to a
// [BatchFunc] in batches; each [Batch] carries new or changed messages,
// other changes (deletions, flag and label changes, "started over"
// markers) and the Cursor that covers it. Commit a batch's messages and
// its cursor in one transaction and a crash at any point loses nothing and
// stores nothing twice:
//
//	err := c.Sync(ctx, cursor, func(ctx context.Context, b *connector.Batch) error {
//		return db.CommitSync(ctx, b.Messages, b.Changes, b.Cursor)
//	})
//
// # Sending
//
// [Sender.Send] sends an [OutboundMessage] whose Message-ID the caller
// chose and keeps across retries. A caller that retries after an unknown
// outcome first asks a [SentFinder], when the connector is one, whether the
// message already went out.
//
// # Capabilities
//
// Abilities only some providers have are small interfaces found by a type
// assertion: [Watcher] (push registrations that expire), [Listener]
// (real-time notifications over a held connection, IMAP IDLE),
// [ThreadFetcher], [AttachmentFetcher], [SentFinder] and [Backfiller]
// (a mark taken when a mailbox is connected, so that a sync tells the
// mailbox's history, [Message.History], from mail that arrived since).
//
// # Errors
//
// Connectors classify their errors with the kinds [ErrAuth],
// [ErrRateLimited] (with [RetryAfter]), [ErrTemporary], [ErrPermanent],
// [ErrNotFound] and [ErrUnsupported], found with errors.Is. Callers decide
// what to do from the kind, never from the text.
//
// # Registry
//
// A [Registry] maps provider names to factories. It is a value the
// program builds; there is no global registry and no init-time
// registration, so a program links only the providers it registers.
//
// # Credentials
//
// [Credentials] redact their secrets whenever they are printed or logged.
// A connector that refreshes an OAuth token hands the new one to
// Config.SaveCredentials before it uses it, so that a rotated refresh
// token is never lost.
package connector
