// Package gmailtest is a fake Gmail API (REST v1) and Google OAuth 2.0
// server for tests: an httptest.Server that speaks Gmail's real wire
// format, so that the real client (google.golang.org/api/gmail/v1) and
// the real oauth2 package run against it unchanged. Package gmail's own
// tests run on it, and so can the tests of any program built on gmail.
//
// # What it serves
//
// Under /gmail/v1/users/{userId}/: profile, messages (list with
// labelIds, q, includeSpamTrash and paging; get in the raw, minimal,
// metadata and full formats), messages/send (JSON raw, and the
// /upload/ media and multipart forms), threads/{id}, history (with
// historyTypes, labelId and paging), watch and stop; labels (list) and
// labels/{id} (get, with message and thread counts); messages/{id}/modify,
// messages/batchModify (up to 1,000 ids, 204; any unknown id is 404 and
// changes nothing), messages/{id}/trash and untrash (TRASH added or
// removed, the other labels kept). A change is refused as Google refuses
// it (400 INVALID_ARGUMENT): a body that is not the method's JSON
// (unknown field, wrong type), nothing to change, more than 100 labels,
// a label the mailbox lacks or one only Gmail sets (SENT, DRAFT, CHAT),
// a malformed id. Every change is recorded in the history as labelsAdded
// and labelsRemoved, which a later sync reads. JSON shapes follow
// the discovery document: 64-bit numbers as strings, errors as
// {"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}.
// A bearer token the server issued is required; userId is "me" or the
// token's user.
//
// At /o/oauth2/auth and /token: Google's authorization endpoint (it
// consents at once, see SetConsent) and token endpoint (authorization
// codes with the PKCE S256 check, single use; refresh, optionally
// rotating; invalid_grant for revoked grants). With the openid scope the
// token endpoint also answers an id_token as Google's (RS256; iss, azp,
// aud, sub, email and email_verified with the email scope, hd, at_hash,
// the authorization's nonce), signed with a key the server publishes at
// /oauth2/v3/certs (JWKSURL; Issuer is its iss); SetEmailVerified,
// IDTokenClaims and SignIDToken make tokens a verifier must refuse. At
// /revoke (RevokeURL): Google's revocation endpoint (POST token=, 200 {}
// and the grant's tokens refused; 400 invalid_token for an unknown or
// revoked token); Authorized tells whether an account's grant still
// works.
//
// # Mailboxes
//
// A Mailbox keeps messages with labels and threads and a history of
// changes. historyIds increase with gaps, as Gmail's do;
// Mailbox.ExpireHistory makes every earlier historyId answer 404, as an
// id about a week old does. Tests change a mailbox behind the client's
// back with Insert, Delete, Modify, CreateLabel and ExpireHistory (a
// label a message is inserted with is created if missing), and look at what
// the client did with Messages, Sent and Watch.
//
// # Faults and quota
//
// InjectFault makes chosen calls fail (429 with Retry-After, 403
// userRateLimitExceeded, 500, 401) or slow. Every call is charged its
// quota units (DefaultCosts); Units, MethodUnits and MaxUnitsPerWindow tell what a
// user spent, and Options.UserQuota makes the server refuse calls over a
// per-minute quota, as Gmail does.
//
//	srv := gmailtest.NewServer(gmailtest.Options{})
//	defer srv.Close()
//	mb := srv.AddUser("support@example.com")
//	id, _ := mb.Insert(raw)
//	tok := srv.IssueToken("support@example.com")
//	svc, _ := gmail.NewService(ctx, option.WithEndpoint(srv.Endpoint()),
//		option.WithHTTPClient(oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok))))
//
// # Not here
//
// labels.create, update and delete, drafts, filters, settings and
// attachments.get are not served, and the search syntax is a subset
// (see the q parameter of messages.list in query.go).
package gmailtest
