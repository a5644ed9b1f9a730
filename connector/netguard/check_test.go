package netguard_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/netguard"
)

// noDNS is a resolver that answers from /etc/hosts only: every DNS
// query fails at once.
var noDNS = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("no DNS in this test")
}}

func TestCheckHost(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	require.NoError(t, netguard.CheckHost(ctx, noDNS, "1.1.1.1"))

	err := netguard.CheckHost(ctx, noDNS, "10.1.2.3")
	require.ErrorIs(t, err, netguard.ErrInternalAddress)
	var ae *netguard.AddrError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "10.1.2.3", ae.Addr.String())

	err = netguard.CheckHost(ctx, noDNS, "localhost")
	require.ErrorIs(t, err, netguard.ErrInternalAddress, "localhost resolves to loopback")
	require.ErrorAs(t, err, &ae)
	require.True(t, ae.Addr.IsLoopback())

	err = netguard.CheckHost(ctx, noDNS, "mail.example.invalid")
	require.ErrorIs(t, err, netguard.ErrUnresolved)
	var dnsErr *net.DNSError
	require.ErrorAs(t, err, &dnsErr, "the resolver's error is kept")
}
