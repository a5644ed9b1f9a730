package server

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMailDialerRefusesInternalAddressesAtConnectTime(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	_, port, err := net.SplitHostPort(l.Addr().String())
	require.NoError(t, err)

	require.Nil(t, mailDialer(true), "with private hosts allowed, the plain dialer")
	dial := mailDialer(false)
	for _, addr := range []string{l.Addr().String(), net.JoinHostPort("localhost", port)} {
		c, err := dial(t.Context(), "tcp", addr)
		if c != nil {
			_ = c.Close()
		}
		require.ErrorIs(t, err, errInternalAddress, "dialling %s", addr)
	}
}
