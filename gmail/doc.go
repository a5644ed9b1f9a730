// Package gmail is the Gmail connector: it brings a Gmail or Google
// Workspace mailbox's mail in through the Gmail API
// (google.golang.org/api/gmail/v1), incrementally and exactly once, and
// sends replies in their threads. It implements connector.Connector,
// connector.Watcher, connector.SentFinder and
// connector.AttachmentFetcher, and holds the Google OAuth helpers an
// integration's authorization flow needs.
//
// # Connecting
//
//	conf := gmail.OAuth2Config(clientID, clientSecret, redirectURL)
//	c, err := gmail.New(gmail.Config{
//		Email:       "support@example.com",
//		TokenSource: gmail.TokenSource(ctx, conf, connector.Config{Credentials: creds, SaveCredentials: save}),
//	})
//	err = c.Test(ctx) // users.getProfile: the token works and is this mailbox's
//
// [Factory] builds Connectors from a connector.Config's JSON [Settings]
// and credentials, for a connector.Registry. Every token the connector
// refreshes (a rotated refresh token included) is saved through
// connector.Config.SaveCredentials before it is used; a token the API
// rejects with 401 before its expiry is refreshed once, and only a second
// 401 or a refused refresh (invalid_grant) is a connector.ErrAuth error:
// the integration needs the user to authorise again.
//
// # Syncing
//
// The first Sync reads the mailbox's historyId, then lists the messages
// of Config.Label (INBOX by default) page by page, one batch per page,
// getting each message in the raw format (Concurrency at a time) and
// parsing it with the module's MIME parser; labels, thread id and
// internalDate are kept. Later syncs read history.list from the cursor's
// historyId: new messages, deletions (connector.ChangeDeleted) and label
// changes (connector.ChangeFlags). When Gmail no longer has that history
// (404, after about a week), Sync starts a full sync over and says so
// with a connector.ChangeResync; messages keep their ProviderID (Gmail's
// message id), so an upserting caller stores nothing twice.
//
// # Quota, retries and errors
//
// Every call can wait on a [Quota] first (ratelimit.GmailUserQuota fits
// it), so that a sync spends at most the user's units per minute.
// Throttled calls (429, 403 rateLimitExceeded / userRateLimitExceeded)
// and, except for sends, failed ones (5xx, network) are retried with
// exponential backoff and jitter, honouring Retry-After; the generated
// client does not retry by itself. Errors carry a connector kind: 401
// ErrAuth, throttling ErrRateLimited with connector.RetryAfter, 5xx
// ErrTemporary, 404 ErrNotFound, 400 ErrPermanent.
//
// # Push
//
// Watch registers users.watch on a Pub/Sub topic; renew it daily
// ([NeedsRenewal]). The server verifies each push (package webhook),
// decodes it with [ParseNotification], finds the integration by its
// address and, when [NeedsSync] says the stored cursor is behind,
// enqueues a sync.
//
// # OAuth
//
// [NewAuthRequest] builds the authorization URL (offline access, PKCE
// S256, state, login_hint, nonce); [Exchange] trades the callback's code
// for a token; [Refresh] refreshes one ahead of its expiry; [Revoke]
// ends a grant at Google's revocation endpoint. The routes that use them
// belong to the server.
//
// Before keeping a token, bind the sign-in to the mailbox it was started
// for: [VerifySignIn] checks the id_token that came with it
// ([IDTokenVerifier]: RS256 signature against Google's published keys,
// issuer, audience, expiry, nonce, at_hash, with github.com/coreos/go-oidc)
// and returns its email only when Google verified it and it is the
// expected mailbox, and the mailbox the token opens ([Whose]:
// users.getProfile with the token alone) is the same one; another
// account is a [*MailboxMismatchError]. A link sent to someone else then
// connects nothing.
//
// The connector's HTTP client adds the bearer token in its transport,
// on every round trip: a redirect to another origin than the one
// Config.Endpoint names is followed without it.
//
// # Testing
//
// Package gmailtest is a fake Gmail API and Google OAuth server speaking
// the real wire format; point Config.Endpoint and an oauth2.Config at it.
//
// # Folders and actions
//
// [Connector.Folders] lists the labels (labels.list, counts from
// labels.get) with the roles of the system labels: INBOX inbox, SENT
// sent, DRAFT drafts, TRASH trash, SPAM junk. Gmail has no archive
// label: archiving is removing INBOX, so no folder has the archive role
// and a move to it removes INBOX (and SPAM, TRASH). [Connector.Modify]
// marks messages read (UNREAD), flagged (STARRED), adds and removes
// labels and moves them, with messages.modify and messages.trash one
// message at a time and messages.batchModify for larger batches.
//
// # Not here
//
// This package stores nothing: cursors and messages are the caller's to
// keep.
package gmail
