package server

import (
	"context"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPublicAddr(t *testing.T) {
	t.Parallel()
	for addr, public := range map[string]bool{
		"1.1.1.1":              true,
		"2606:4700::1111":      true,
		"127.0.0.1":            false,
		"10.0.0.1":             false,
		"172.31.255.255":       false,
		"192.168.1.1":          false,
		"169.254.169.254":      false,
		"100.64.0.1":           false,
		"0.0.0.0":              false,
		"224.0.0.1":            false,
		"255.255.255.255":      false,
		"::1":                  false,
		"::":                   false,
		"fe80::1":              false,
		"fd00::1":              false,
		"::ffff:127.0.0.1":     false, // IPv4-mapped loopback
		"::ffff:10.0.0.1":      false,
		"64:ff9b::a00:1":       false, // NAT64 of 10.0.0.1
		"2001:db8::1":          false,
		"fec0::1":              false,
		"198.18.0.1":           false,
		"::ffff:93.184.216.34": true,
	} {
		require.Equal(t, public, publicAddr(netip.MustParseAddr(addr)), addr)
	}
}

func TestHostGuard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g := &hostGuard{}
	eps := []endpoint{{field: "config.imap", host: "127.0.0.1", security: "none"}, {field: "config.smtp", host: "8.8.8.8", security: "starttls"}}
	require.Equal(t, []fieldError{
		{Field: "config.imap.security", Message: `"none" (plaintext) is not allowed on this server`},
		{Field: "config.imap.host", Message: "is not a public address; this server does not connect to internal networks"},
	}, g.check(ctx, eps))
	g = &hostGuard{allowPrivate: true, allowPlaintext: true}
	require.Empty(t, g.check(ctx, eps))
	g = &hostGuard{allowPlaintext: true}
	require.Equal(t, []fieldError{{Field: "config.imap.host", Message: "resolves to a non-public address; this server does not connect to internal networks"}},
		g.check(ctx, []endpoint{{field: "config.imap", host: "localhost", security: "tls"}}))
}
