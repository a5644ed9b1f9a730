package netguard_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/netguard"
)

func TestPublicAddr(t *testing.T) {
	t.Parallel()
	for addr, public := range map[string]bool{
		"1.1.1.1":              true,
		"2606:4700::1111":      true,
		"2a00:1450:4001::1":    true,
		"::ffff:93.184.216.34": true,
		"127.0.0.1":            false,
		"10.0.0.1":             false,
		"172.31.255.255":       false,
		"192.168.1.1":          false,
		"169.254.169.254":      false,
		"100.64.0.1":           false,
		"0.0.0.0":              false,
		"224.0.0.1":            false,
		"255.255.255.255":      false,
		"192.88.99.1":          false, // 6to4 relay anycast
		"198.18.0.1":           false,
		"::1":                  false,
		"::":                   false,
		"fe80::1":              false,
		"fd00::1":              false,
		"::ffff:127.0.0.1":     false, // IPv4-mapped loopback
		"::ffff:10.0.0.1":      false,
		"::a00:1":              false, // IPv4-compatible 10.0.0.1
		"::7f00:1":             false, // IPv4-compatible 127.0.0.1
		"64:ff9b::a00:1":       false, // NAT64 of 10.0.0.1
		"2002:a00:1::1":        false, // 6to4 of 10.0.0.1
		"2002:5db8:d822::1":    false, // 6to4 of a public address: still a tunnel, refused
		"2001:0:4136:e378::1":  false, // Teredo
		"2001:db8::1":          false,
		"fec0::1":              false,
	} {
		require.Equal(t, public, netguard.PublicAddr(netip.MustParseAddr(addr)), addr)
	}
}
