package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// endpoint is a server an integration's config names: its JSON path (for
// errors), host and security setting.
type endpoint struct {
	field    string // "config.imap"
	host     string
	security string
}

// hostGuard keeps tenants from pointing the server at internal services:
// unless the operator allows it, a mail server may not use plaintext
// ("security": "none") nor resolve to a loopback, private, link-local or
// otherwise non-public address.
type hostGuard struct {
	allowPrivate   bool
	allowPlaintext bool
	// resolver looks host names up; nil means net.DefaultResolver.
	resolver *net.Resolver
}

// check returns one field error per endpoint that is refused.
func (g *hostGuard) check(ctx context.Context, eps []endpoint) []fieldError {
	var errs []fieldError
	for _, ep := range eps {
		if ep.security == "none" && !g.allowPlaintext {
			errs = append(errs, fieldError{Field: ep.field + ".security", Message: `"none" (plaintext) is not allowed on this server`})
		}
		if g.allowPrivate || ep.host == "" {
			continue
		}
		if msg := g.refuse(ctx, ep.host); msg != "" {
			errs = append(errs, fieldError{Field: ep.field + ".host", Message: msg})
		}
	}
	return errs
}

// refuse says why host may not be connected to, or "" if it may.
func (g *hostGuard) refuse(ctx context.Context, host string) string {
	if addr, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(addr) {
			return "is not a public address; this server does not connect to internal networks"
		}
		return ""
	}
	r := g.resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return "could not be resolved"
	}
	for _, a := range addrs {
		if !publicAddr(a) {
			return "resolves to a non-public address; this server does not connect to internal networks"
		}
	}
	return ""
}

// nonPublic are the special-purpose ranges (RFC 6890 and friends) that
// netip's predicates do not cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64: may map to a private IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("fec0::/10"), // deprecated site-local
}

// publicAddr reports whether a is a globally routable unicast address.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsMulticast() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// errInternalAddress is what a guarded dial fails with.
var errInternalAddress = errors.New("the mail server's address is not public; this server does not connect to internal networks")

// mailDialer returns the DialContext of IMAP and SMTP connections: nil
// (a plain dialer) when private hosts are allowed, otherwise one that
// refuses any non-public address at connect time. The check at create
// and update (hostGuard.check) gives the tenant a clear error early; this
// one holds when a host name is re-pointed afterwards (DNS rebinding),
// since it sees the address actually dialled.
func mailDialer(allowPrivate bool) func(ctx context.Context, network, address string) (net.Conn, error) {
	if allowPrivate {
		return nil
	}
	d := net.Dialer{
		KeepAlive: 30 * time.Second,
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %q", errInternalAddress, address)
			}
			if !publicAddr(ap.Addr()) {
				return errInternalAddress
			}
			return nil
		},
	}
	return d.DialContext
}
