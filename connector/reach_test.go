package connector_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func TestReachOf(t *testing.T) {
	t.Parallel()
	notIMAP := errors.New("imap: not an IMAP server")
	for name, c := range map[string]struct {
		err  error
		want connector.Reach
	}{
		"nil":         {nil, ""},
		"auth":        {connector.AuthError("imap: login", errors.New("NO")), ""},
		"dns":         {&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, connector.ReachDNS},
		"refused":     {&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, connector.ReachRefused},
		"ctx timeout": {fmt.Errorf("x: %w", context.DeadlineExceeded), connector.ReachTimeout},
		"io timeout":  {&net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, connector.ReachTimeout},
		"reset":       {&net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, connector.ReachNetwork},
		"wrapped":     {connector.PermanentError("imap: greeting", &connector.ReachError{Reach: connector.ReachProtocol, Err: notIMAP}), connector.ReachProtocol},
	} {
		require.Equal(t, c.want, connector.ReachOf(c.err), name)
	}
	err := connector.PermanentError("imap: greeting", &connector.ReachError{Reach: connector.ReachProtocol, Err: notIMAP})
	require.ErrorIs(t, err, notIMAP, "the cause unwraps")
	require.Equal(t, "imap: greeting: imap: not an IMAP server (permanent failure)", err.Error())
}
