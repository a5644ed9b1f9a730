// Package outlooktest is a fake Microsoft Graph v1.0 (the mail
// endpoints) and Microsoft identity platform for tests: an
// httptest.Server that speaks Graph's real wire format, so that
// msgraph-sdk-go and golang.org/x/oauth2 run against it unchanged.
// Package outlook's own tests run on it, and so can the tests of any
// program built on outlook.
//
// # What it serves
//
// Under /v1.0: GET /me; GET /me/mailFolders/{folder}/messages/delta()
// (paged by Prefer: odata.maxpagesize with @odata.nextLink, ending with
// an @odata.deltaLink; "@removed" entries; 410 syncStateNotFound for a
// token from before Mailbox.ExpireDeltaTokens); GET
// /me/mailFolders/{folder}/messages ($filter=internetMessageId eq '...',
// $top, $select); GET /me/messages/{id} and its MIME at /$value; POST
// /me/sendMail and /me/messages/{id}/reply (JSON or base64 MIME as
// text/plain, gzip bodies accepted); and /subscriptions (create with the
// validation handshake against notificationUrl and
// lifecycleNotificationUrl, renew with PATCH, reauthorize, delete).
// Folders: GET /me/mailFolders (the top level: the well-known inbox,
// sentitems, drafts, deleteditems, junkemail and archive, then the
// user's folders; $top, $skip, @odata.nextLink, includeHiddenFolders),
// GET /me/mailFolders/{folder} (a well-known name or an id) and
// /childFolders, with totalItemCount and unreadItemCount. Actions:
// PATCH /me/messages/{id} (isRead, flag.flagStatus, categories,
// importance; 200 with the message) and POST /me/messages/{id}/move
// (destinationId, a folder id or well-known name, the parameter name in
// any case; 201 with the moved message). A body Graph would not read is
// refused as Graph refuses it: 400 RequestBodyRead for an unknown
// property or parameter, a value of the wrong type, a flagStatus outside
// the enumeration, a wrong @odata.type; 400 BadRequest for invalid JSON;
// 400 ErrorInvalidRequest for an empty PATCH or a move without
// destinationId; 400 ErrorInvalidIdMalformed or 404 for a destination
// that is no folder. Changes appear in the folders' next delta rounds
// (a moved message removed from one and new in the other).
// Message ids are immutable when a request says
// Prefer: IdType="ImmutableId"; otherwise they change when a message
// moves, as Outlook's default ids do. Errors are Graph's
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
// A bearer token the server issued is required.
//
// At /{tenant}/oauth2/v2.0/authorize and /token: the identity platform
// (consent at once, PKCE S256 required, single-use codes, a new refresh
// token on every refresh, invalid_grant with AADSTS codes).
//
// # Mailboxes, faults, notifications
//
// Tests change a Mailbox behind the client's back with Insert, Delete,
// Move, SetRead, CreateFolder, RemoveFolder and ExpireDeltaTokens, read
// what was sent with Sent and a message's state with Message.
// InjectFault makes chosen calls fail (429 or 503 with Retry-After, 5xx,
// 401, 410) or slow. Changes are posted to the notificationUrl of every
// subscription that covers them; SendLifecycleEvent posts lifecycle
// events.
//
//	srv := outlooktest.NewServer(outlooktest.Options{})
//	defer srv.Close()
//	mb := srv.AddUser("support@example.com")
//	id, _ := mb.Insert(raw, outlooktest.Inbox)
//	tok := srv.IssueToken("support@example.com")
//
// # Not here
//
// JSON batching ($batch), attachments as Graph resources, drafts, createReply, $search, upload
// sessions, rich notifications with resource data, and any $filter other
// than internetMessageId eq.
package outlooktest
