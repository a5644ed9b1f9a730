package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strings"

	gomail "github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/ucsp/integration/connector"
)

// Errors that say why a connection was refused before anything was
// sent. They come wrapped in a *connector.Error of kind
// connector.ErrPermanent; test them with errors.Is.
var (
	// ErrNoSTARTTLS: Security is SecurityStartTLS and the server does not
	// offer STARTTLS. Nothing, not even credentials, was sent.
	ErrNoSTARTTLS = errors.New("smtp: server does not offer STARTTLS")
	// ErrTLSHandshake: the TLS handshake failed for another reason than
	// the network (an untrusted or expired certificate, a name mismatch,
	// no common protocol version, a server that does not speak TLS on an
	// implicit-TLS port).
	ErrTLSHandshake = errors.New("smtp: TLS handshake failed")
	// ErrAuthNotOffered: the server does not offer the AUTH mechanism
	// the Config asks for (for XOAUTH2 the error also matches go-mail's
	// ErrXOauth2AuthNotSupported), or no AUTH at all.
	ErrAuthNotOffered = errors.New("smtp: server does not offer the AUTH mechanism")
	// ErrClosed is returned by Session.Send after Session.Close.
	ErrClosed = errors.New("smtp: session closed")
	// ErrNotSMTP: the server's first line is not an SMTP reply:
	// something else listens on the port (an SSH or HTTP server, say).
	// Its connector.ReachOf is connector.ReachProtocol, and what the
	// server sent is not part of the error, so that it can be shown to
	// whoever named the server without revealing other services'
	// banners.
	ErrNotSMTP = errors.New("smtp: the server did not answer as an SMTP server")
	// ErrTooLarge: the message is larger than the server's SIZE (RFC
	// 1870, from its EHLO reply). The error names both sizes; nothing
	// of the message was sent (no MAIL FROM), and a Session stays
	// usable.
	ErrTooLarge = errors.New("smtp: message larger than the server accepts")
)

// greetings are how an SMTP server's first reply begins (RFC 5321 §4.2:
// a three-digit code, then a space, a hyphen or the line's end).
var greetings = []string{"### ", "###-", "###\r", "###\n"}

// notSMTP is the error of a server that is not an SMTP server.
func notSMTP(op string) error {
	return connector.PermanentError(op, &connector.ReachError{Reach: connector.ReachProtocol, Err: ErrNotSMTP})
}

// withReach wraps cause (err's text, perhaps redacted) in a
// connector.ReachError when err is the network failing, so that the
// classification survives redaction.
func withReach(err, cause error) error {
	r := connector.NetReach(err)
	if r == "" && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)) {
		r = connector.ReachNetwork
	}
	if r == "" {
		return cause
	}
	return &connector.ReachError{Reach: r, Err: cause}
}

// phaseError is a sentinel with its cause, printed as "what: cause".
type phaseError struct {
	sentinel, cause error
}

func (e *phaseError) Error() string {
	s := strings.TrimPrefix(e.sentinel.Error(), "smtp: ")
	if e.cause == nil {
		return s
	}
	return s + ": " + e.cause.Error()
}

func (e *phaseError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.sentinel}
	}
	return []error{e.sentinel, e.cause}
}

// redactedError replaces the text of an error that contained a secret.
// It deliberately does not unwrap to the original error, whose text (a
// server reply echoing the credentials) still holds the secret.
type redactedError struct{ msg string }

func (e *redactedError) Error() string { return e.msg }

// redact returns err, or an error whose text has every secret replaced
// when err's text holds one (raw or base64-encoded, as an SMTP server
// might echo an AUTH line).
func redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	out := msg
	for _, s := range secrets {
		if s == "" {
			continue
		}
		out = strings.ReplaceAll(out, s, "[redacted]")
		out = strings.ReplaceAll(out, b64(s), "[redacted]")
	}
	if out == msg {
		return err
	}
	return &redactedError{msg: out}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// replyCode returns the SMTP reply code err carries, or 0.
func replyCode(err error) int {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode()
	}
	return 0
}

// kindOfCode classifies an SMTP reply code; nil for 0.
func kindOfCode(code int) error {
	switch {
	case code == 0:
		return nil
	case code == 530 || code == 534 || code == 535:
		// 530 authentication required, 534 mechanism too weak, 535
		// credentials invalid (RFC 4954): a user has to act.
		return connector.ErrAuth
	case code/100 == 4:
		// 421 closing, 450/451/452 try later, 454 temporary auth failure.
		return connector.ErrTemporary
	default:
		return connector.ErrPermanent
	}
}

// isNetwork reports whether err is the network failing rather than the
// server answering: refused or reset connections, timeouts, EOF.
func isNetwork(err error) bool {
	var ne net.Error
	var pe textproto.ProtocolError
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &pe)
}

// isTLS reports whether err is a TLS handshake failure (not a network
// one).
func isTLS(err error) bool {
	var (
		cve *tls.CertificateVerificationError
		rhe tls.RecordHeaderError
		ae  tls.AlertError
		uae x509.UnknownAuthorityError
		he  x509.HostnameError
		cie x509.CertificateInvalidError
	)
	if errors.As(err, &cve) || errors.As(err, &rhe) || errors.As(err, &ae) ||
		errors.As(err, &uae) || errors.As(err, &he) || errors.As(err, &cie) {
		return true
	}
	// crypto/tls's other handshake errors are plain errors.New("tls: ...").
	return strings.HasPrefix(err.Error(), "tls: ")
}

// classifyDial classifies an error of connecting, TLS or AUTH. ctx is
// the caller's context. secrets are scrubbed from the text; the kind is
// decided on the original error.
func classifyDial(ctx context.Context, op string, err error, secrets ...string) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return connector.TemporaryError(op, ctxErr)
	}
	cause := redact(err, secrets...)
	if k := kindOfCode(replyCode(err)); k != nil {
		return connector.NewError(k, op, cause)
	}
	switch {
	case errors.Is(err, gomail.ErrXOauth2AuthNotSupported),
		errors.Is(err, gomail.ErrPlainAuthNotSupported),
		errors.Is(err, gomail.ErrLoginAuthNotSupported),
		errors.Is(err, gomail.ErrNoSupportedAuthDiscovered),
		strings.Contains(err.Error(), "server does not support SMTP AUTH"):
		return connector.PermanentError(op, &phaseError{ErrAuthNotOffered, cause})
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		// go-mail's TLSMandatory refusal (a plain fmt error).
		return connector.PermanentError(op, &phaseError{sentinel: ErrNoSTARTTLS})
	case errors.Is(err, gmsmtp.ErrUnencrypted):
		return connector.PermanentError(op, cause)
	case isTLS(err):
		return connector.PermanentError(op, &connector.ReachError{Reach: connector.ReachTLS, Err: &phaseError{ErrTLSHandshake, cause}})
	case isNetwork(err):
		return connector.TemporaryError(op, withReach(err, cause))
	default:
		// What is left are go-mail's refusals of a configuration the
		// server cannot serve: retrying does not help.
		return connector.PermanentError(op, cause)
	}
}

// classifySend classifies an error of sending one message on a
// connection that was up.
func classifySend(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return connector.TemporaryError(op, ctxErr)
	}
	if k := kindOfCode(replyCode(err)); k != nil {
		return connector.NewError(k, op, err)
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		switch se.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			// The message itself is at fault.
			return connector.PermanentError(op, err)
		}
		// No reply code: the connection failed while talking.
		return connector.TemporaryError(op, err)
	}
	if isNetwork(err) {
		return connector.TemporaryError(op, err)
	}
	return connector.PermanentError(op, err)
}

// connLost reports whether err leaves the connection unusable: no reply
// code (the network failed) or 421 (the server is closing it).
func connLost(err error) bool {
	code := replyCode(err)
	return code == 0 || code == 421
}

// nothingSent reports whether err happened before the server could have
// accepted the message: the connection check (NOOP) failed, or the
// server refused MAIL FROM with 421. Such a message can be retried at
// once on a new connection.
func nothingSent(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	return se.Reason == gomail.ErrConnCheck || (se.Reason == gomail.ErrSMTPMailFrom && se.ErrorCode() == 421)
}
