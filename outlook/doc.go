// Package outlook is the Outlook / Microsoft 365 connector: a
// connector.Connector over Microsoft Graph v1.0 with
// github.com/microsoftgraph/msgraph-sdk-go, the Microsoft OAuth 2.0
// helpers, and Graph subscriptions. It is the only package of this
// module that imports the Graph SDK (whose first build takes minutes):
// programs that do not register it do not pay for it.
//
// # Sync
//
// Each folder of Config.Folders (the inbox by default) is synced with a
// delta query (GET /me/mailFolders/{id}/messages/delta, Prefer:
// odata.maxpagesize), one batch per page, following @odata.nextLink to
// the @odata.deltaLink, which the cursor keeps per folder. Bodies come
// from each message's MIME ($value) through the module's MIME parser,
// so an Outlook message normalises exactly as the same message over
// IMAP or Gmail. "@removed" entries are deletions (see Moves); a delta
// link Graph lost (410 Gone, syncStateNotFound) starts the folder over
// with a ChangeResync.
//
// # Moves
//
// Every request asks for immutable ids (Prefer: IdType="ImmutableId"),
// so a message keeps its ProviderID when it moves between folders: the
// source folder's delta round reports it "@removed", the target's
// reports it again, in its new folder. For a move between two synced
// folders to be one change of the stored message's folders (one
// message.updated, the same store id), never a deletion, Sync holds the
// "@removed" entries of its rounds in the cursor and reports them, as
// connector.ChangeDeleted scoped to the folder the message left
// (Change.Folder, the name Message.Folders uses), in a last batch once
// every folder's round has been handed out. The caller deletes a
// message only if it is still recorded in that folder: a message moved
// to a synced folder has been reported there by then, whichever folder
// is synced first, and stays; one moved to a folder not synced, or
// deleted, is deleted. A message a later page reports again drops its
// held removals.
//
// Held removals are in the cursor of every batch until the last one
// commits, so a sync interrupted after the batch that took the source
// folder's delta link still reports them when it resumes. A cursor
// holds at most 1,000 of them (about 250 KB): removals found beyond
// that in one sync are reported in their page's batch, still scoped to
// their folder; a message among them moved to a synced folder that
// comes later in Config.Folders is then seen deleted, and back when the
// target's round reports it.
//
// BackfillCursor (connector.Backfiller) marks the time, as Graph has no
// watermark: a message received before the mark's second is history
// (connector.Message.History) in every round.
//
// # Send
//
// Send posts the MIME that the module's builder renders to
// /me/sendMail (base64, text/plain): the headers stay exactly as built,
// Message-ID included, which FindSent later looks up in Sent Items by
// internetMessageId.
//
// # Limits and errors
//
// Kiota's retry handler retries 429, 503 and 504 after the server's
// Retry-After (Config.MaxRetries times); a connector has at most
// Config.MaxConcurrency (4, Graph's limit) requests in flight, and a
// Limiter can add the mailbox's 10,000 requests / 10 minutes and the
// concurrency limit across replicas. Errors carry connector kinds: 401
// (after one forced token refresh) and 403 ErrAuth, 429 ErrRateLimited,
// 5xx ErrTemporary, 404 ErrNotFound, other 4xx ErrPermanent; GraphError
// has the status, code and request-id.
//
// # Folders and actions
//
// Folders lists the mail folders (GET /me/mailFolders and childFolders,
// counts from totalItemCount and unreadItemCount); the role folders
// (inbox, sentitems, drafts, deleteditems as trash, junkemail as junk,
// archive) carry their role and their well-known name as ID, the name
// Config.Folders and Message.Folders use. Modify marks messages read
// (PATCH isRead), flags them (PATCH flag.flagStatus) and moves them
// (POST /move with a folder id or a well-known name); with immutable
// ids a message keeps its ProviderID when it moves. Outlook categories
// are not labels: ActionSupport.Labels is false.
//
// # Subscriptions and OAuth
//
// Watch creates and renews Graph subscriptions, Unwatch deletes them,
// Reauthorize answers reauthorizationRequired; ParseNotifications and
// ActionOf tell the webhook route what a notification asks for.
// OAuth2Config, NewAuthRequest (PKCE and state), Exchange and Refresh
// run the authorization; VerifySignIn binds a finished sign-in to the
// mailbox it was started for (Whose, Graph's /me with the token alone,
// must be it; Microsoft has no per-grant revocation, so a refused
// sign-in's token is just dropped); TokenSource saves every rotated
// refresh token.
// A server registers the connector with Factory:
//
//	reg.Register(outlook.ProviderName, outlook.Factory(outlook.FactoryOptions{
//		OAuth2: outlook.OAuth2Config("common", clientID, secret, redirectURL),
//	}))
//
// Package outlooktest is a fake Graph and identity platform to test
// against.
package outlook
