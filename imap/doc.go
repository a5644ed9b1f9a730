// Package imap is the IMAP connector: it brings a mailbox's mail in from
// any IMAP server (Dovecot, Gmail, Microsoft 365, ...) incrementally and
// exactly once, and watches it in real time. It implements
// connector.Connector, connector.Listener, connector.SentFinder,
// connector.AttachmentFetcher, connector.FolderLister and
// connector.Modifier on github.com/emersion/go-imap/v2.
//
// IMAP only receives. Send delegates to a connector.Sender given in
// Config.Sender (package smtp's, for an "IMAP in, SMTP out" integration)
// and files a copy in the Sent folder; this package never imports smtp,
// nor the Gmail or Graph SDKs.
//
// # Connecting
//
//	c, err := imap.New(imap.Config{
//		Host:     "imap.example.com", // port 993, implicit TLS by default
//		Username: "support@example.com",
//		Password: password,           // or TokenSource for XOAUTH2
//		Folders:  []string{"INBOX"},
//	})
//	if err != nil { ... }           // a *ConfigError naming the field
//	defer c.Close()
//	err = c.Test(ctx)               // connect, authenticate, select
//
// Config.Security chooses implicit TLS (993, the default), STARTTLS (143,
// never silently downgraded) or, only when asked for, plaintext. Password
// credentials use AUTHENTICATE PLAIN or LOGIN; an oauth2.TokenSource uses
// XOAUTH2. Errors are connector errors of a kind: rejected credentials
// are connector.ErrAuth, network trouble and timeouts ErrTemporary, a
// missing folder ErrNotFound, and TLS failures ErrPermanent with a
// message that says what to configure.
//
// A Connector holds at most Config.MaxConnections connections to the
// account (5 by default; Gmail allows 15), reuses them, and bounds every
// command with Config.CommandTimeout. Use one Connector per account.
// [Factory] builds Connectors from a connector.Config's JSON [Settings]
// and credentials, for a connector.Registry.
//
// # Syncing
//
// Sync walks Config.Folders in order. Per folder it keeps, in the
// cursor, the folder's UIDVALIDITY, the last UID it looked at, the
// HIGHESTMODSEQ when the server has CONDSTORE, and the set of UIDs it
// reported (as ranges, so a 100,000-message folder's cursor stays a few
// hundred bytes). From that it finds new messages (UIDs above the last),
// expunged ones (UID SEARCH ALL against the set), flag changes (FETCH
// CHANGEDSINCE), and renumbering (a new UIDVALIDITY, which restarts the
// folder with a connector.ChangeResync). New messages are fetched with
// BODY.PEEK[] (so they stay unread) in UID batches and parsed with the
// module's one MIME parser (internal/mime) while the next ones stream
// in. Each batch carries the cursor covering it: commit both together,
// and a sync interrupted anywhere resumes without skipping or repeating.
// Deletions come last, after every folder's new messages, so that a
// message another client moved between two synced folders is reported
// as a move (connector.ChangeMoved, which a store.SyncCommit follows by
// keeping the message) rather than a deletion and a new message.
//
//	err := c.Sync(ctx, cursor, func(ctx context.Context, b *connector.Batch) error {
//		return store.Commit(ctx, b.Messages, b.Changes, b.Cursor)
//	})
//
// BackfillCursor (connector.Backfiller) marks each folder's UIDNEXT: a
// Sync from that cursor reports the UIDs below it as history
// (connector.Message.History), as it does what a folder holds when it
// is first synced after the mark (added to Config.Folders later). The
// cursor keeps the mark's time too (its second, on this host's clock),
// for resyncs: when a folder's UIDVALIDITY changes, what it holds then
// is history if its INTERNALDATE is before the mark's time, whenever
// the resync happens (during the first sync too: the mailbox's old
// mail is never announced), and new mail otherwise. A store that has
// that new mail already (the same ProviderID) neither stores nor
// announces it again; mail that arrived after the last sync and before
// the renumbering, which it never saw, it announces once. The rule
// trusts INTERNALDATE: a message appended with an old date after the
// mark and re-found by a resync before a sync saw it counts as history,
// and a clock skew between the server and this host moves the cut by
// as much. A cursor without the mark's time (a Sync from the zero
// Cursor, a cursor written before the time was kept, one Sync cannot
// read) reports everything a resynced folder holds as history.
//
// # Large messages and hostile servers
//
// The server may be anyone's (a tenant names it), so the size it
// announces for a literal ({n} before the bytes) is never what memory
// is reserved for: a buffer starts small (64 KiB at most) and grows, at
// most doubling, with the bytes that arrive. A message larger than
// Config.MaxMessageBytes (50 MiB by default) is synced as a stub: what
// its header says (envelope, Message-ID, the kept headers), its size, no
// body or attachments, and a Problems entry saying it was too large. The
// rest of its literal is read and dropped as it comes, so the connection
// stays usable and the sync goes on with the next message. The stub has
// the ProviderID the whole message would have, so a store keeps it once,
// and a later sync (even with a larger maximum) does not add it again.
// Every other literal is bounded the same way: a header longer than the
// maximum is cut there (the same cut in a sync and in a lookup, so
// ProviderIDs agree), and FetchAttachment of a message or part over it
// fails with ErrTooLarge. A literal that trickles in counts as progress
// for Config.CommandTimeout; one that stops is given up after it.
//
// # Identity
//
// A message's ProviderID is its folder and a digest of what identifies
// it (Message-ID, Date, From, Subject and size), so that it survives the
// renumbering a UIDVALIDITY change brings: the store never keeps or
// announces a message twice. Its ProviderRef is where it is now (folder,
// UIDVALIDITY, UID). An expunged message can only be named by its ref,
// so connector.ChangeDeleted carries the ProviderRef alone; the caller
// resolves it to the message it stored with that ref. Two byte-identical
// copies in one folder share a ProviderID. See identity.go for the exact
// construction and its limits.
//
// # Real time
//
// Listen holds a connection of its own, IDLEs on the first folder
// (re-issuing IDLE every Config.IdleRefresh, before servers drop it at
// 30 minutes), checks the other folders every Config.PollInterval, polls
// every folder on servers without IDLE, and reconnects with jittered
// exponential backoff. It calls notify; the caller then syncs.
//
// # Folders and actions
//
// Folders lists the account's mailboxes with their roles (RFC 6154
// special use: archive, drafts, junk, sent, trash; INBOX is the inbox)
// and message counts (STATUS, in the LIST answer with LIST-STATUS).
// CheckFolders checks Config.Folders against that list, for a service
// that lets users choose what to sync.
//
// Modify marks messages seen or flagged (UID STORE ±FLAGS.SILENT) and
// moves them to a folder or a role (UID MOVE, or UID COPY + UID STORE
// \Deleted + UID EXPUNGE of exactly those UIDs). A move on a server with
// neither MOVE nor UIDPLUS is refused (ErrMoveUnsafe): the bare EXPUNGE
// it would need also removes messages others marked \Deleted. A moved
// message's result has its ProviderID in the target folder, as a Sync of
// that folder reports it, and its ProviderRef there from COPYUID.
//
// # Not here
//
// This package does not delete messages, does not send mail by itself,
// and does not store anything: cursors and messages are the caller's to
// keep.
package imap
