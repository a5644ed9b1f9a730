// Package mime is the module's one reader and one writer of RFC 5322 / MIME
// messages. The imap, smtp, gmail and outlook connectors all use it, so that
// a message reads the same whichever provider it came from.
//
// # Reading
//
// [Parse] turns the raw bytes of a message into a [connector.Message]:
// addresses, subject, date, threading ids, the text and HTML bodies decoded
// to UTF-8, attachments numbered as IMAP body sections (RFC 3501 §6.4.5) and
// a selection of headers. It is made for real-world mail: an unknown
// charset, a broken boundary, a malformed address list or 8-bit bytes in a
// header never lose the message; what could not be decoded cleanly is kept
// as well as it could be and listed in Message.Problems. Every string of the
// result is valid UTF-8 without NUL bytes, so it can be stored in Postgres
// text columns as is. Work is bounded by [ParseOptions] (nesting depth,
// number of parts) and Parse never panics.
//
// Parse decodes charsets with go-message's tables (package charset) but
// splits the message itself, on the raw bytes and without copying them,
// rather than with go-message's mail.Reader: NextPart flattens the tree,
// so it cannot number parts as IMAP does, and it stops at the first broken
// part (a header line without a colon, a missing closing boundary).
//
// # Writing
//
// [Build] turns a [connector.OutboundMessage] into a go-mail Msg ready for
// the SMTP client; [Render] renders it to RFC 5322 bytes for providers
// that take raw MIME (Gmail's messages.send, Graph's MIME send). The Bcc
// header is left out unless [BuildOptions].IncludeBcc asks for it.
//
// # Not here
//
// This package talks to no server and knows no provider: fetching raw
// messages, flags, folders and provider ids is the connectors' job. It does
// not sign, encrypt or verify messages (S/MIME, PGP, DKIM), and it does not
// turn HTML into text.
package mime
