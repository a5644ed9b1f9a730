package imap

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigDialContextIsUsedForEveryConnection(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	srv.admin().create("Support")
	var dials atomic.Int32
	cfg := srv.config("Support")
	cfg.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
	c := newConnector(t, cfg)
	require.NoError(t, c.Test(t.Context()))
	require.Positive(t, dials.Load(), "the connector dials through Config.DialContext")

	refused := errors.New("refused by policy")
	cfg.DialContext = func(context.Context, string, string) (net.Conn, error) { return nil, refused }
	c = newConnector(t, cfg)
	err := c.Test(t.Context())
	require.ErrorIs(t, err, refused, "a dial the policy refuses fails the connection")
}
