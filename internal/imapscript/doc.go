// Package imapscript is an IMAP server for tests whose answers the test
// scripts down to the bytes of a literal: it plays the hostile or broken
// servers a tenant can point an integration at. A message's BODY[]
// literal can announce more bytes than the message has, and then the
// server holds the connection (sending nothing more), hangs up, or fills
// the literal with filler bytes; it can also trickle the bytes out.
//
// It speaks just enough IMAP4rev1 for package imap's connector: the
// greeting, CAPABILITY, LOGIN, SELECT and EXAMINE of one folder (INBOX),
// LIST, NOOP, UID SEARCH (every UID, whatever the criteria), UID FETCH of
// UID, FLAGS, INTERNALDATE, RFC822.SIZE, BODY[], BODY[HEADER] and a
// single-part BODYSTRUCTURE, and LOGOUT. It is not a mail server: nothing
// changes a folder, there are no flags, no IDLE, no TLS. For an honest
// server in tests, use go-imap's imapmemserver.
package imapscript
