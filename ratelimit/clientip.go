package ratelimit

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr returns the address a request came from: RemoteAddr, or
// when RemoteAddr is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one (walking from the right, since a client
// can write anything on the left). It returns the zero Addr when there is
// none (a Unix socket).
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	addr := parseHost(r.RemoteAddr)
	if !addr.IsValid() || !isTrusted(addr, trusted) {
		return addr
	}
	hops := strings.Join(r.Header.Values("X-Forwarded-For"), ",")
	for hops != "" {
		i := strings.LastIndexByte(hops, ',')
		hop := parseHost(strings.TrimSpace(hops[i+1:]))
		hops = hops[:max(i, 0)]
		if !hop.IsValid() {
			break // garbage: keep the last proxy we trust
		}
		addr = hop
		if !isTrusted(hop, trusted) {
			break
		}
	}
	return addr
}

// parseHost parses "ip", "ip:port" or "[ipv6]:port".
func parseHost(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ipKey is the key of a request limited by its address: the address for
// IPv4, its /64 for IPv6 (one subscriber's allocation, which a client can
// walk through at will).
func ipKey(a netip.Addr) string {
	var buf [64]byte
	b := append(buf[:0], "ip:"...)
	switch {
	case !a.IsValid():
		return "ip:unknown"
	case a.Is4():
		b = a.AppendTo(b)
	default:
		p, _ := a.Prefix(64)
		b = p.AppendTo(b)
	}
	return string(b)
}

// ClientKey returns the key Middleware limits r by when it has no tenant
// key: its client address (see MiddlewareOptions.TrustedProxies), or the
// address's /64 for IPv6. A handler charges work a request turned out to
// cost (ids it made up, say) to the same key with Limiter.AllowN and the
// same limits.
func ClientKey(r *http.Request, trustedProxies []netip.Prefix) string {
	return ipKey(clientAddr(r, trustedProxies))
}
