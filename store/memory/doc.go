// Package memory is a store.Store that keeps everything in the memory of
// one process: the store of the integration service's embedded mode, and
// a fast, dependency-free store for tests.
//
// It is not durable and not shared. Everything it holds is lost when the
// process exits (credentials too: the keyring it generates by default
// dies with it), and two processes, or two replicas of the service, have
// two unrelated stores. Use store/postgres for anything that must survive
// a restart or be seen by more than one process.
//
// # Same contract as production
//
// A Store follows the store package's contract as store/postgres does and
// passes the same suite, store/storetest, so that code tested on it
// behaves the same in production:
//
//   - ids come from store.NewID; listings are in id order (events in the
//     order they were stored) and page by "after the last row returned",
//     never by offset, so paging is stable under concurrent inserts;
//   - every read and write is scoped by tenant: another tenant's id is
//     store.ErrNotFound;
//   - CommitSync is all or nothing, and reports a message as inserted
//     only from the commit that stored it first;
//   - credentials, PKCE verifiers and push subscriptions' client states
//     are sealed with a secrets.Keyring (additional data
//     "integration-credentials:"+id, "oauth-state-verifier:"+
//     hex(sha256(state)) and "subscription-client-state:"+id, as in
//     production), and an OAuth state is kept only as its SHA-256, so
//     the heap holds no plaintext secret;
//   - timestamps the store records are in UTC with microsecond precision,
//     as PostgreSQL keeps them, and attachment content (which a
//     connector.Attachment does not serialise) is not kept;
//   - values are copied on the way in and on the way out: changing what
//     was passed in or handed back never changes what is stored.
//
// # Concurrency and callbacks
//
// A Store is safe for concurrent use. One read-write mutex guards its
// data, and it is never held while a caller's function runs: the fn of
// UpdateIntegration and UpdateOutbox and the Events callback of a
// SyncCommit may read the store (they see it as it was before the change
// they are part of, as a callback inside a PostgreSQL transaction sees it
// from another connection). What makes those read-modify-write operations
// atomic is a lock per row, held while the caller's function runs, the
// equivalent of SELECT ... FOR UPDATE: concurrent UpdateIntegration calls
// on one integration run one after the other, and so do concurrent
// CommitSync calls on one integration. As with PostgreSQL row locks, a
// callback must not write the row it is called for (UpdateIntegration
// from an UpdateIntegration fn on the same integration, CommitSync from
// the Events callback or an UpdateIntegration fn on the same
// integration): it would wait for itself until its context ends.
//
//	st, err := memory.New(memory.Options{})
//	if err != nil {
//		return err
//	}
//	defer st.Close()
package memory
