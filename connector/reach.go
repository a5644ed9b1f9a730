package connector

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
)

// Reach says how far a connection to a server got before it failed, in
// terms that are safe to show whoever named the server: nothing the
// remote end sent is part of it. A service that lets tenants name
// servers reports a connectivity test by its Reach, not by the error's
// text, so that it cannot be used to read other services' banners.
type Reach string

// The values of Reach.
const (
	// ReachDNS: the host name did not resolve.
	ReachDNS Reach = "dns"
	// ReachRefused: nothing listens at the address (TCP reset).
	ReachRefused Reach = "connect_refused"
	// ReachTimeout: no connection, or no answer, in time.
	ReachTimeout Reach = "timeout"
	// ReachNetwork: the network failed otherwise (unreachable, reset
	// mid-way, closed by the remote before it said anything).
	ReachNetwork Reach = "network"
	// ReachTLS: the TLS handshake failed (not a TLS server, an untrusted
	// certificate, no common version).
	ReachTLS Reach = "tls"
	// ReachProtocol: the remote answered, but not as a server of the
	// protocol (an SSH or HTTP server on the port); what it said is not
	// kept.
	ReachProtocol Reach = "protocol"
)

// ReachError is a failure to reach a server's protocol: the connection,
// the TLS handshake or the protocol's greeting failed. Connectors wrap
// it in a *Error of their kind; errors.As finds it.
type ReachError struct {
	Reach Reach
	// Err is the cause. For ReachProtocol it is the connector's own
	// sentinel (imap.ErrNotIMAP, smtp.ErrNotSMTP), never the remote's
	// bytes.
	Err error
}

// Error is the cause's text.
func (e *ReachError) Error() string {
	if e.Err == nil {
		return "connector: " + string(e.Reach)
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *ReachError) Unwrap() error { return e.Err }

// ReachOf returns the Reach of err: a *ReachError's, or else that of
// the network error it wraps (DNS, refused, timeout, other network
// failures); "" when err is none of these (the server answered: an
// authentication or protocol-level error).
func ReachOf(err error) Reach {
	var re *ReachError
	if errors.As(err, &re) {
		return re.Reach
	}
	return NetReach(err)
}

// NetReach classifies a network error: ReachDNS for a resolver error,
// ReachRefused for a refused connection, ReachTimeout for a timeout
// (context.DeadlineExceeded included), ReachNetwork for any other
// *net.OpError; "" for anything else.
func NetReach(err error) Reach {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &dns):
		if dns.IsTimeout {
			return ReachTimeout
		}
		return ReachDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReachRefused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ReachTimeout
	case errors.As(err, &op):
		if op.Timeout() {
			return ReachTimeout
		}
		return ReachNetwork
	}
	return ""
}
