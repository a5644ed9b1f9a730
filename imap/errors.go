package imap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap/internal/xoauth2"
)

// ErrClosed is returned (as an ErrPermanent error) by a Connector used
// after Close.
var ErrClosed = errors.New("imap: connector closed")

// errTimeout is the cause of a command abandoned after
// Config.CommandTimeout.
var errTimeout = errors.New("no answer from the server within the command timeout")

// classify wraps err, which happened during op ("imap: fetch"), in a
// connector.Error of the right kind. Context errors are returned wrapped
// but unclassified, so that errors.Is(err, context.Canceled) holds and the
// caller's cancellation is not mistaken for a server failure.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connector.Error
	if errors.As(err, &ce) {
		return err // classified already
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return connector.NewError(kindOf(err), op, serverText(err))
}

// serverText drops go-imap's "imap: " prefix from a server's NO or BAD
// answer, which our ops already carry: "imap: select "X": NO [NONEXISTENT]
// No such mailbox".
func serverText(err error) error {
	var ie *imap.Error
	if errors.As(err, &ie) && err == error(ie) {
		return serverError{ie}
	}
	return err
}

type serverError struct{ e *imap.Error }

func (s serverError) Error() string { return strings.TrimPrefix(s.e.Error(), "imap: ") }
func (s serverError) Unwrap() error { return s.e }

// kindOf decides the connector kind of an unclassified error.
func kindOf(err error) error {
	var ie *imap.Error
	if errors.As(err, &ie) {
		return imapErrorKind(ie)
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil && (re.Response.StatusCode == 429 || re.Response.StatusCode >= 500) {
			return connector.ErrTemporary
		}
		return connector.ErrAuth // invalid_grant, revoked consent, bad client
	}
	var xe *xoauth2.Error
	if errors.As(err, &xe) {
		return connector.ErrAuth
	}
	if isTLSConfigError(err) || errors.Is(err, ErrTooLarge) {
		return connector.ErrPermanent
	}
	// Everything else is the network or the server misbehaving: a
	// timeout, a reset, a closed connection, a response go-imap cannot
	// parse. Worth a retry.
	return connector.ErrTemporary
}

// imapErrorKind maps a tagged NO or BAD to a kind. Authentication
// failures are classified where they happen (see authError).
func imapErrorKind(e *imap.Error) error {
	switch e.Code {
	case imap.ResponseCodeAuthenticationFailed, imap.ResponseCodeAuthorizationFailed,
		imap.ResponseCodeExpired, imap.ResponseCodePrivacyRequired, imap.ResponseCodeContactAdmin:
		return connector.ErrAuth
	case imap.ResponseCodeNonExistent:
		return connector.ErrNotFound
	case imap.ResponseCodeLimit, imap.ResponseCodeInUse, imap.ResponseCodeUnavailable, imap.ResponseCodeServerBug:
		return connector.ErrTemporary
	case imap.ResponseCodeOverQuota:
		return connector.ErrRateLimited
	case imap.ResponseCodeNoPerm, imap.ResponseCodeCannot, imap.ResponseCodeTooBig:
		return connector.ErrPermanent
	}
	if e.Type == imap.StatusResponseTypeBad {
		return connector.ErrPermanent // we sent something the server cannot parse
	}
	return connector.ErrTemporary
}

// authError classifies a failed LOGIN or AUTHENTICATE: a NO is rejected
// credentials unless the server says it is unavailable.
func authError(op string, err error) error {
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
		switch ie.Code {
		case imap.ResponseCodeUnavailable, imap.ResponseCodeServerBug, imap.ResponseCodeLimit, imap.ResponseCodeInUse:
			return connector.NewError(connector.ErrTemporary, op, serverText(err))
		}
		return connector.NewError(connector.ErrAuth, op, serverText(err))
	}
	return classify(op, err)
}

// isTLSConfigError reports errors that retrying cannot fix: a
// certificate the client does not trust, a TLS handshake with something
// that is not a TLS server.
func isTLSConfigError(err error) bool {
	var (
		cve *tls.CertificateVerificationError
		rhe tls.RecordHeaderError
		uae x509.UnknownAuthorityError
		hne x509.HostnameError
		cie x509.CertificateInvalidError
		ae  tls.AlertError
	)
	return errors.As(err, &cve) || errors.As(err, &rhe) || errors.As(err, &uae) ||
		errors.As(err, &hne) || errors.As(err, &cie) || errors.As(err, &ae)
}

// tlsError explains a failed TLS handshake with addr in terms of what to
// configure.
func tlsError(addr string, sec Security, err error) error {
	var rhe tls.RecordHeaderError
	hint := ""
	switch {
	case errors.As(err, &rhe):
		if sec == SecurityTLS {
			hint = ` (the server did not answer with TLS: is this a plaintext or STARTTLS port? Use security "starttls" for port 143)`
		} else {
			hint = " (the server did not answer with TLS after STARTTLS)"
		}
	case isTLSConfigError(err):
		hint = " (the server's certificate is not trusted for this host name: check Host, or give a TLSConfig with the right roots)"
	}
	reach := connector.NetReach(err)
	if reach == "" {
		reach = connector.ReachTLS
	}
	return connector.NewError(kindOf(err), "imap: tls handshake with "+addr, &connector.ReachError{Reach: reach, Err: fmt.Errorf("%w%s", err, hint)})
}

// isConnBroken reports whether err leaves the connection unusable, as
// opposed to a NO or BAD answer to one command on a healthy connection.
func isConnBroken(err error) bool {
	if err == nil {
		return false
	}
	var ie *imap.Error
	return !errors.As(err, &ie)
}

// quoteFolder formats a folder name for messages.
func quoteFolder(f string) string { return fmt.Sprintf("%q", f) }
