package server

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

// The classes of a failed event delivery, as an event's last_error
// shows them to its tenant. They say how far the attempt got and
// nothing the receiver sent or the network error said: those can name
// internal hosts and addresses, or carry the platform's own error text.
const (
	// deliveryDNS: EVENTS_WEBHOOK_URL's host did not resolve.
	deliveryDNS = "dns"
	// deliveryRefused: nothing listens at the receiver's address.
	deliveryRefused = "connect_refused"
	// deliveryTimeout: no connection, or no answer, in time.
	deliveryTimeout = "timeout"
	// deliveryTLS: the TLS handshake failed.
	deliveryTLS = "tls"
	// deliveryNetwork: the connection failed otherwise (unreachable,
	// reset, closed before an answer).
	deliveryNetwork = "network"
	// deliveryInternal: the event could not be sent at all (this
	// service's fault).
	deliveryInternal = "internal"
	// The receiver answered a redirect (never followed), a 4xx or a 5xx
	// (or another status); the class is followed by ": " and the status
	// code.
	deliveryRedirect = "redirect_refused"
	delivery4xx      = "http_4xx"
	delivery5xx      = "http_5xx"
	deliveryHTTP     = "http_status"
)

// deliveryUnclassified is what the API shows for a last error stored
// before deliveries were classified.
const deliveryUnclassified = "unclassified"

// deliveryClassPattern matches every class; openapi.json's
// EventRecord.last_error carries the same pattern.
var deliveryClassPattern = regexp.MustCompile(`^((dns|connect_refused|timeout|tls|network|internal|unclassified)|(redirect_refused|http_4xx|http_5xx|http_status): [0-9]{3})$`)

// statusClass is the class of a receiver's non-2xx answer.
func statusClass(code int) string {
	class := deliveryHTTP
	switch {
	case code >= 300 && code < 400:
		class = deliveryRedirect
	case code >= 400 && code < 500:
		class = delivery4xx
	case code >= 500 && code < 600:
		class = delivery5xx
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
			return deliveryTimeout
		}
		return deliveryDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return deliveryRefused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &timeout) && timeout.Timeout():
		return deliveryTimeout
	case errors.As(err, &verify), errors.As(err, &record), errors.As(err, &alert),
		errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		return deliveryTLS
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http's own words (no sentinel) for a TLS record that is
		// plain HTTP.
		return deliveryTLS
	}
	return deliveryNetwork
}

// publicDeliveryError is a stored last error as a tenant may see it:
// a class, or deliveryUnclassified for text stored before deliveries
// were classified (it may be the receiver's).
func publicDeliveryError(stored string) string {
	if stored == "" || deliveryClassPattern.MatchString(stored) {
		return stored
	}
	return deliveryUnclassified
}
