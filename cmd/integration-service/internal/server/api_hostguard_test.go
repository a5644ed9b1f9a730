package server

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

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
	for _, host := range []string{"::a00:1", "2002:a00:1::1", "2001:0:4136:e378::1", "192.88.99.1"} {
		require.Len(t, g.check(ctx, []endpoint{{field: "config.imap", host: host, security: "tls"}}), 1, host)
	}
}

func TestMailDialerRefusesInternalAddressesAtConnectTime(t *testing.T) {
	t.Parallel()
	d, err := newMailDialer(&Config{}, nil)
	require.NoError(t, err)
	c, err := d.DialContext(t.Context(), "tcp", "127.0.0.1:9")
	if c != nil {
		_ = c.Close()
	}
	require.ErrorContains(t, err, "not a public address")
}
