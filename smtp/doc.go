// Package smtp sends mail through an SMTP submission server: the
// outbound half of an "IMAP + SMTP" integration. A [Sender] implements
// connector.Sender; the server pairs it with the imap package's
// connector, which takes any connector.Sender (imap and smtp never import
// each other). The SMTP client is go-mail; the message is the one that
// internal/mime builds for every connector, so a reply sent over SMTP
// reads exactly like one sent through Gmail or Graph.
//
// It is not an SMTP server, it does not queue or retry (callers decide
// retries from the error kind), and it does not sign messages (DKIM).
//
// # Sending
//
//	s, err := smtp.New(smtp.Config{
//		Host:     "smtp.example.com", // port 587, STARTTLS required
//		Username: "support@example.com",
//		Password: password,
//	})
//	if err != nil { ... }                 // names the field at fault
//	res, err := s.Send(ctx, &connector.OutboundMessage{...})
//	// res.MessageID is msg.MessageID; res.Response the server's reply
//
// Send validates the message before it connects (a
// *connector.ValidationError, nothing dialled), builds it with
// internal/mime (text and HTML alternatives, attachments, UTF-8 headers,
// Message-ID, In-Reply-To and References), connects, sends it and says
// QUIT. Bcc recipients get a RCPT TO but no Bcc header is written.
//
// # Bulk sends
//
// [Sender.SendMany] sends a batch over one connection and returns one
// result or error per message; [Sender.Dial] returns a [Session] that
// keeps the connection between calls. Both reconnect when the server
// drops the connection (idle timeouts, per-connection message limits),
// retrying a message only when it provably was not sent (the connection
// check before MAIL FROM failed, or MAIL FROM got 421). One message's
// failure (a rejected recipient) does not end the batch.
//
// # Security
//
// Config.Security is "starttls" by default: the connection must be
// upgraded with STARTTLS (go-mail's TLSMandatory, never
// TLSOpportunistic) and a server that does not offer it is refused
// before anything, credentials included, is sent ([ErrNoSTARTTLS]).
// "tls" is implicit TLS (port 465). "none" is plaintext and is never
// chosen for you; with credentials it logs a warning, because the
// password then travels in clear. Certificates are verified against the
// system roots, or Config.TLSConfig's RootCAs.
//
// # Authentication
//
// Config.Auth "auto" uses XOAUTH2 with a TokenSource and PLAIN or LOGIN
// with a Password. XOAUTH2 sends Username (the mailbox address) and an
// access token taken from Config.TokenSource before every connection, so
// a refreshing source is refreshed as needed; a server whose EHLO does
// not list XOAUTH2 gives [ErrAuthNotOffered]. Neither the password nor a
// token is ever logged or put in an error: error texts that would hold
// one (a server echoing it) are redacted.
//
// # Errors
//
// Every error is a *connector.Error (or wraps a
// *connector.ValidationError) whose kind callers test with errors.Is:
//
//	failure                                        kind
//	invalid OutboundMessage, message too large     ErrPermanent (ValidationError)
//	larger than the server's EHLO SIZE             ErrPermanent + ErrTooLarge (before MAIL FROM)
//	reply 530, 534, 535 (AUTH failed or required)  ErrAuth
//	OAuth 2.0 grant refused, token expired/empty   ErrAuth (nothing dialled)
//	OAuth 2.0 token endpoint 5xx, 429, unreachable ErrTemporary (nothing dialled)
//	reply 4xx (421, 450, 451, 452, 454 ...)        ErrTemporary
//	reply 5xx (550 on RCPT TO, 552, 554 ...)       ErrPermanent
//	network: refused, reset, EOF, timeout          ErrTemporary
//	ctx canceled or past its deadline              ErrTemporary (and errors.Is ctx.Err())
//	TLS handshake (certificate, version, not TLS)  ErrPermanent + ErrTLSHandshake
//	STARTTLS required but not offered              ErrPermanent + ErrNoSTARTTLS
//	AUTH mechanism not offered                     ErrPermanent + ErrAuthNotOffered
//
// go-mail's *mail.SendError stays reachable with errors.As (its IsTemp
// agrees with the table: a 4xx reply). A TLS handshake failure is
// permanent because retrying the same certificate or protocol mismatch
// cannot succeed and should reach an operator; a handshake cut by the
// network is a network error and temporary. Cancellation and network
// failures during DATA leave the outcome unknown: the error is
// temporary, and a caller that retries resends the same Message-ID (see
// connector.SentFinder for how to avoid a duplicate).
//
// # Timeouts
//
// Config.Timeout (default 30 s) bounds the TCP and TLS connection and
// each single read or write after it, so a large attachment on a slow
// link does not fail while it makes progress. The ctx of every call
// bounds the whole call: cancelling it aborts the connection at once.
//
// # From settings
//
// [ConfigFromSettings] builds a Config from an integration's JSON
// settings ({"host", "port", "security", "username", "auth"}) and its
// connector.Credentials, for a server that composes "imap in + smtp
// out" from stored integrations.
package smtp
