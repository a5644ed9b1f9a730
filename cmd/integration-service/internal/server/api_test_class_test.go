package server

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/netguard"
	"github.com/ucsp/integration/imap"
	"github.com/ucsp/integration/smtp"
)

func TestTestClass(t *testing.T) {
	t.Parallel()
	reach := func(r connector.Reach, err error) error {
		return connector.PermanentError("imap: greeting", &connector.ReachError{Reach: r, Err: err})
	}
	for _, c := range []struct {
		err   error
		class string
	}{
		{nil, "ok"},
		{reach(connector.ReachProtocol, imap.ErrNotIMAP), "not_imap"},
		{reach(connector.ReachProtocol, smtp.ErrNotSMTP), "not_smtp"},
		{connector.TemporaryError("imap: connect", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}), "dns"},
		{connector.TemporaryError("imap: connect", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), "connect_refused"},
		{connector.TemporaryError("imap: connect", &netguard.LimitError{Cap: "host", Key: "1.2.3.4", Max: 1, Err: context.DeadlineExceeded}), "busy"},
		{connector.TemporaryError("imap: connect", context.DeadlineExceeded), "timeout"},
		{reach(connector.ReachTLS, errors.New("tls: first record does not look like a TLS handshake")), "tls"},
		{connector.AuthError("imap: login", errors.New("NO [AUTHENTICATIONFAILED] Invalid credentials")), "auth"},
		{connector.PermanentError("imap: select", errors.New(`NO [NONEXISTENT] "Sales" does not exist`)), "error"},
	} {
		class, msg := testClass(c.err)
		require.Equal(t, c.class, class, "%v", c.err)
		switch class {
		case "ok":
			require.Empty(t, msg)
		case "auth", "error":
			require.Equal(t, c.err.Error(), msg, "a mail server's own answer is shown")
		default:
			require.NotEqual(t, c.err.Error(), msg, "%s: the message is the class's", class)
		}
	}
}
