package smtp_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/smtp"
)

func TestConfigDialContextIsUsed(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{})
	var dials atomic.Int32
	cfg := ts.config(t, smtp.SecurityNone)
	cfg.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
	_, err := newSender(t, cfg).Send(t.Context(), simple(t))
	require.NoError(t, err)
	require.Equal(t, int32(1), dials.Load())
	require.Len(t, ts.received(), 1)

	refused := errors.New("refused by policy")
	cfg.DialContext = func(context.Context, string, string) (net.Conn, error) { return nil, refused }
	_, err = newSender(t, cfg).Send(t.Context(), simple(t))
	require.ErrorIs(t, err, refused)
	require.Len(t, ts.received(), 1, "nothing sent through a refused dial")
}
