// Package postgres is the production store.Store, on PostgreSQL through
// pgx's connection pool. It passes the store/storetest contract suite;
// what follows is what it adds to that contract: how to open it, how its
// schema evolves, what it stores where, and what it costs.
//
// It is not a general-purpose database layer: every query it runs is one
// of store.Store's, and its schema is its own.
//
// # Opening
//
// [Open] builds a pool from a URL and owns it; [New] wraps a pool the
// caller built and shares (Close then leaves it open). Both need a
// store/secrets Keyring, which seals credentials, PKCE verifiers and push
// subscriptions' client states:
//
//	ring, err := secrets.ParseKeyring(os.Getenv("ENCRYPTION_KEYS"))
//	...
//	st, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"), postgres.Options{
//		Keyring: ring,
//		Migrate: true, // apply pending migrations before returning
//	})
//	...
//	defer st.Close()
//
// Options are checked before anything is dialled, and an error names the
// field at fault. Open pings the database, so a wrong URL fails at
// start-up rather than at the first request. Tables are found through
// the connections' search_path, so a schema other than public is chosen
// with search_path in the URL (postgres://.../db?search_path=integration).
//
// # Migrations
//
// The schema ships inside the binary as numbered SQL files
// (migrations/0001_init.sql, ...). [Migrate], or Open with
// Options.Migrate, applies those the database has not recorded, each in
// its own transaction, and records them in schema_migrations with a
// checksum. Migrations only go forward: a release never edits or removes
// a shipped file, it adds one.
//
// Any number of processes may migrate at once: Migrate holds a
// PostgreSQL advisory lock for the whole run, keyed by the schema, so the
// first applies and the others find nothing left to do. A recorded
// migration whose checksum differs from the file is an error (a shipped
// migration was edited). A database that has migrations this binary does
// not know is not an error, so that the old release keeps running while
// a new one rolls out; it is logged as a warning.
//
// # Schema
//
// Ids are UUIDv7 from store.NewID, in uuid columns; listings page in id
// order, which is creation order. An id that is not a UUID is answered
// with store.ErrNotFound without a query.
//
//   - integrations: one row per integration, with its health as columns.
//     Unique (tenant_id, id) serves tenant listings and is the target of
//     the (tenant_id, integration_id) foreign keys below, so that the
//     database itself refuses a row whose tenant is not its integration's.
//   - integration_credentials: the credentials as JSON, sealed with the
//     additional data "integration-credentials:" + the integration id, so
//     that a ciphertext copied to another row does not open; key_id
//     beside the ciphertext, for key rotation.
//   - sync_states: the cursor and the version that fences off a stale
//     syncer, one row per integration.
//   - messages: unique (integration_id, provider_id), the sync key. The
//     mutable state (provider ref, thread, flags, labels, folders,
//     deleted_at), the searchable fields (message id, subject, sender,
//     dates) and the bodies are columns; the rest of connector.Message is
//     jsonb. A partial index on the messages not deleted serves listings
//     and CountMessages; a partial unique index on (integration_id,
//     provider_ref), of the messages that have a ref (an empty one is
//     none), keeps one holder per ref and resolves changes that name a
//     message by ref.
//   - outbox: unique (tenant_id, idempotency_key).
//   - events: listed and claimed in the order they were stored (an
//     identity column, since a caller may choose an event's id), claimed
//     through a partial index of the pending ones by due time.
//   - oauth_states: keyed by the SHA-256 of the state; the state itself
//     is never stored, the PKCE verifier is sealed to its state.
//   - subscriptions: each integration's push registration, keyed by the
//     integration. A partial unique index on (provider, sub_id), of the
//     rows with an id, routes a Graph notification; a partial index on
//     (provider, address), of the rows with an address (lower-cased),
//     routes a Gmail push; an index on (expiry, integration_id) feeds
//     the renewal job. Graph's client state is sealed to the
//     integration, as credentials are.
//
// Everything but an OAuth state references its integration with ON
// DELETE CASCADE; DeleteIntegration removes the states that name it.
//
// Times are stored to the microsecond, PostgreSQL's precision, and read
// back in UTC. Config and message data are jsonb: they read back as equal
// JSON, not byte for byte. Event payloads are json, byte for byte.
//
// PostgreSQL's text holds neither NUL nor invalid UTF-8. A value a
// caller chose (a name, a key, a config) that has either is refused with
// a store.InvalidError naming the field. The content of a synced message
// is cleaned instead, each bad byte becoming U+FFFD, since one odd
// message must not stop a mailbox from syncing; only its provider id,
// a key, is refused.
//
// # Performance
//
// CommitSync is the hot path. It runs one transaction of a fixed number
// of round trips, whatever the size of the batch:
//
//  1. The fence: one statement locks the integration's row, records the
//     sync time and moves the sync state from the caller's version to the
//     next, writing the cursor. It stamps the commit later than the one
//     before, even when this host's clock lags another's. No row means ErrConflict (or ErrNotFound),
//     and nothing is written. Commits of one integration queue here, so
//     what follows sees no other commit's messages arrive.
//  2. One query finds which of the batch's messages are stored already
//     (the unique index on provider ids), with the state (flags, labels,
//     folders, deletion) of those and of the messages the changes name
//     (by id or by ref), which SyncResult.Changed reports as Before. When
//     the batch gives refs, a second statement, pipelined with it, takes
//     them from the messages that hold them, so that steps 3 and 4 can
//     give them. The batch's moves (ChangeMoved) are picked from what it
//     read.
//  3. COPY writes the new messages, streamed in binary: no statement
//     parameters of megabytes, no ON CONFLICT needed after step 2.
//  4. One pipelined round trip: the moves (a stored message takes its
//     Target's provider id), an UPDATE ... FROM unnest(...) of the
//     ref, thread, flags, labels and folders of the known messages
//     (writing only the rows that changed, and sending no bodies), the
//     batch's deletions by provider id and by ref, and its flag changes
//     (by id or ref, in one statement so that the later change to a
//     message wins), one statement each.
//  5. When step 4 changed or deleted messages, one query reads their new
//     state for SyncResult.Changed.
//  6. The events the caller makes for the inserted messages and the
//     changes, in one
//     INSERT ... SELECT FROM unnest(...) ON CONFLICT (id) DO NOTHING.
//  7. The commit.
//
// A mailbox's first sync is bound by the bytes of its bodies, which the
// migration compresses with lz4 where the server has it; a sync that
// replays messages already stored (a restart from an old cursor, a
// resync) sends and writes only what changed. A resync that gives every
// message a new ref (an IMAP UIDVALIDITY change) rewrites every row, as
// a ref is indexed. BenchmarkCommitSync measures the three with a
// 10,000-message mailbox.
//
// Every other method is one statement, or, where a callback runs between
// reading and writing (UpdateIntegration, UpdateOutbox), one transaction
// holding the row's lock. Each runs on an index; the migration says
// which. Transactions that lock an integration and rows under it lock the
// integration first, as DeleteIntegration does, so that they cannot
// deadlock with it.
//
// # Errors
//
// Errors are prefixed "postgres: " and the operation, and wrap the
// store's: store.ErrNotFound, store.ErrConflict,
// store.ErrIdempotencyConflict, store.ErrInvalid (as a
// store.InvalidError), store.ErrInvalidCursor. Credentials that do not
// open wrap secrets.ErrOpen or secrets.ErrUnknownKey. No error or log
// line holds a secret or a message body.
//
// # Testing
//
// Package pgtest gives each test a fresh, migrated schema on the server
// named by TEST_DATABASE_URL, for this package's tests and for those of
// programs built on it.
package postgres
