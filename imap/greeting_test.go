package imap_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap"
)

// bannerServer accepts connections, writes banner on each and holds it
// open until the test ends (banner "" closes at once); it returns its
// port.
func bannerServer(t *testing.T, banner string) int {
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

func testConn(t *testing.T, port int, sec imap.Security) error {
	t.Helper()
	c, err := imap.New(imap.Config{Host: "127.0.0.1", Port: port, Security: sec, Username: "u", Password: "p", DialTimeout: 2 * time.Second})
	require.NoError(t, err)
	defer c.Close()
	return c.Test(context.Background())
}

func TestGreetingOfAnotherProtocolIsNotIMAP(t *testing.T) {
	t.Parallel()
	for _, banner := range []string{"SSH-2.0-OpenSSH_9.6\r\n", "SSH-2.0-OpenSSH_9.6", "HTTP/1.1 400 Bad Request\r\n\r\n"} {
		port := bannerServer(t, banner)
		for _, sec := range []imap.Security{imap.SecurityNone, imap.SecurityStartTLS} {
			err := testConn(t, port, sec)
			require.ErrorIs(t, err, imap.ErrNotIMAP, "%q over %s", banner, sec)
			require.ErrorIs(t, err, connector.ErrPermanent)
			require.Equal(t, connector.ReachProtocol, connector.ReachOf(err))
			require.NotContains(t, err.Error(), banner[:4], "nothing the server sent is repeated")
		}
	}
}

func TestReachOfConnectionFailures(t *testing.T) {
	t.Parallel()
	err := testConn(t, bannerServer(t, "SSH-2.0-OpenSSH_9.6\r\n"), imap.SecurityTLS)
	require.Equal(t, connector.ReachTLS, connector.ReachOf(err), "%v", err)

	err = testConn(t, bannerServer(t, ""), imap.SecurityNone)
	require.Equal(t, connector.ReachNetwork, connector.ReachOf(err), "closed before a greeting: %v", err)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	err = testConn(t, port, imap.SecurityNone)
	require.Equal(t, connector.ReachRefused, connector.ReachOf(err), "%v", err)

	c, err := imap.New(imap.Config{Host: "imap.example.invalid", Port: 993, Username: "u", Password: "p",
		DialContext: (&net.Dialer{Resolver: &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "udp", Err: &net.DNSError{Err: "no DNS in this test", IsNotFound: true}}
		}}}).DialContext})
	require.NoError(t, err)
	defer c.Close()
	err = c.Test(context.Background())
	require.Equal(t, connector.ReachDNS, connector.ReachOf(err), "%v", err)
}
