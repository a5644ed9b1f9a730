package netguard

import "net/netip"

// nonPublic are the special-purpose ranges (RFC 6890 and its updates)
// that netip's predicates do not cover, and the IPv6 prefixes that embed
// an IPv4 address (through which a private IPv4 address could be
// reached).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.88.99.0/24"), // 6to4 relay anycast (RFC 7526)
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/96"),        // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1)
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64: may map to a private IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001::/32"), // Teredo: embeds an IPv4 server and client
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"), // 6to4: embeds an IPv4 address
	netip.MustParsePrefix("fec0::/10"), // deprecated site-local
}

// PublicAddr reports whether a is a globally routable unicast address: not
// loopback, private (RFC 1918, unique local), link-local, multicast,
// unspecified, nor in another special-purpose range (carrier-grade NAT,
// documentation, benchmarking, reserved), nor in an IPv6 prefix that
// embeds an IPv4 address (IPv4-compatible ::/96, NAT64, 6to4 2002::/16,
// Teredo 2001::/32). An IPv4-mapped address (::ffff:a.b.c.d) is judged
// as the IPv4 address it maps.
func PublicAddr(a netip.Addr) bool {
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
