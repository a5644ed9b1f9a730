package outbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
)

// The classes of a failed delivery attempt, as MarkEventFailed records
// them for an event's last error. A class says how far the attempt got
// and nothing the receiver sent or the network error said: those can
// name internal hosts and addresses, or carry the receiver's own error
// text, and an event's last error is shown to its tenant. (The operator
// sees the receiver's words in the debug log.)
const (
	// ClassDNS: the URL's host did not resolve.
	ClassDNS = "dns"
	// ClassRefused: nothing listens at the receiver's address.
	ClassRefused = "connect_refused"
	// ClassTimeout: no connection, or no answer, in time.
	ClassTimeout = "timeout"
	// ClassTLS: the TLS handshake failed.
	ClassTLS = "tls"
	// ClassNetwork: the connection failed otherwise (unreachable, reset,
	// closed before an answer).
	ClassNetwork = "network"
	// ClassInternal: the event could not be sent at all (its payload is
	// not a JSON object, say): the sender's fault, not retried.
	ClassInternal = "internal"
	// The receiver answered a redirect (never followed), a 4xx or a 5xx
	// (or another status): these classes are followed by ": " and the
	// three-digit status code, e.g. "http_5xx: 503" (see StatusClass).
	ClassRedirect = "redirect_refused"
	Class4xx      = "http_4xx"
	Class5xx      = "http_5xx"
	ClassStatus   = "http_status"
	// ClassUnclassified is what PublicError shows for a last error that
	// is not a class (recorded before deliveries were classified).
	ClassUnclassified = "unclassified"
)

// ClassPattern matches every class, ClassUnclassified included: for an
// API document's pattern of an event's last error.
const ClassPattern = `^((dns|connect_refused|timeout|tls|network|internal|unclassified)|(redirect_refused|http_4xx|http_5xx|http_status): [0-9]{3})$`

// classRE is ClassPattern compiled.
var classRE = regexp.MustCompile(ClassPattern)

// PublicError is an event's stored last error as its tenant may see it:
// a class as it is, empty as it is, and anything else (text stored
// before deliveries were classified, which may be the receiver's) as
// ClassUnclassified.
func PublicError(lastError string) string {
	if lastError == "" || classRE.MatchString(lastError) {
		return lastError
	}
	return ClassUnclassified
}

// StatusClass is the class of a receiver's non-2xx answer code.
func StatusClass(code int) string {
	class := ClassStatus
	switch {
	case code >= 300 && code < 400:
		class = ClassRedirect
	case code >= 400 && code < 500:
		class = Class4xx
	case code >= 500 && code < 600:
		class = Class5xx
	}
	return fmt.Sprintf("%s: %03d", class, code)
}

// networkClass is the class of an error of the HTTP client (no answer).
func networkClass(err error) string {
	var (
		dns      *net.DNSError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		timeout  interface{ Timeout() bool }
	)
	switch {
	case errors.As(err, &dns):
		if dns.IsTimeout {
			return ClassTimeout
		}
		return ClassDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &timeout) && timeout.Timeout():
		return ClassTimeout
	case errors.As(err, &verify), errors.As(err, &record), errors.As(err, &alert),
		errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		return ClassTLS
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http's own words (no sentinel) for a TLS record that is
		// plain HTTP.
		return ClassTLS
	}
	return ClassNetwork
}
