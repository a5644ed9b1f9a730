package smtp_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/smtp"
)

// bannerListener accepts connections, writes banner on each and holds
// it open until the test ends (banner "" closes at once); it returns
// its port.
func bannerListener(t *testing.T, banner string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if banner == "" {
				_ = c.Close()
				continue
			}
			_, _ = c.Write([]byte(banner))
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func testSender(t *testing.T, port int, sec smtp.Security) error {
	t.Helper()
	s, err := smtp.New(smtp.Config{Host: "127.0.0.1", Port: port, Security: sec, Username: "u", Password: "secret-pw", Timeout: 2 * time.Second})
	require.NoError(t, err)
	return s.Test(context.Background())
}

func TestGreetingOfAnotherProtocolIsNotSMTP(t *testing.T) {
	t.Parallel()
	for _, banner := range []string{"SSH-2.0-OpenSSH_9.6\r\n", "HTTP/1.1 400 Bad Request\r\n\r\n"} {
		port := bannerListener(t, banner)
		for _, sec := range []smtp.Security{smtp.SecurityNone, smtp.SecurityStartTLS} {
			err := testSender(t, port, sec)
			require.ErrorIs(t, err, smtp.ErrNotSMTP, "%q over %s", banner, sec)
			require.ErrorIs(t, err, connector.ErrPermanent)
			require.Equal(t, connector.ReachProtocol, connector.ReachOf(err))
			require.NotContains(t, err.Error(), banner[:4], "nothing the server sent is repeated")
		}
	}
}

func TestReachOfSMTPConnectionFailures(t *testing.T) {
	t.Parallel()
	err := testSender(t, bannerListener(t, "SSH-2.0-OpenSSH_9.6\r\n"), smtp.SecurityTLS)
	require.ErrorIs(t, err, smtp.ErrTLSHandshake)
	require.Equal(t, connector.ReachTLS, connector.ReachOf(err), "%v", err)

	err = testSender(t, bannerListener(t, ""), smtp.SecurityNone)
	require.Equal(t, connector.ReachNetwork, connector.ReachOf(err), "closed before a greeting: %v", err)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	err = testSender(t, port, smtp.SecurityNone)
	require.Equal(t, connector.ReachRefused, connector.ReachOf(err), "%v", err)

	err = testSender(t, bannerListener(t, "220 mx.example.com ESMTP\r\n"), smtp.SecurityNone)
	require.NotErrorIs(t, err, smtp.ErrNotSMTP, "an SMTP server that then fails is an SMTP server: %v", err)
}
