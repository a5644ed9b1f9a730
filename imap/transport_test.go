package imap

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

func TestTransports(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		security Security
		tls      func(t *testing.T) *serverTLS
	}{
		{"implicit TLS", SecurityTLS, func(t *testing.T) *serverTLS { return newServerTLS(t, true) }},
		{"STARTTLS", SecurityStartTLS, func(t *testing.T) *serverTLS { return newServerTLS(t, false) }},
		{"plaintext", SecurityNone, func(*testing.T) *serverTLS { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := tc.tls(t)
			srv := newMemServer(t, memOptions{tls: st})
			cfg := srv.config("INBOX")
			cfg.Security = tc.security
			if st != nil {
				cfg.TLSConfig = &tls.Config{RootCAs: st.roots}
			}
			// The admin client speaks plaintext; deliver through the
			// connector's own kind of connection instead.
			c := newConnector(t, cfg)
			ctx := context.Background()
			require.NoError(t, c.Test(ctx))
			cn, err := c.pool.get(ctx, "test")
			require.NoError(t, err)
			_, err = appendRaw(cn.client, "INBOX", testMessage("t1"))
			require.NoError(t, err)
			c.pool.put(cn)
			r := syncAll(t, c, "")
			require.Len(t, r.messages, 1)
			require.Equal(t, "t1@example.test", r.messages[0].MessageID)
		})
	}
}

func TestTLSFailuresSayWhatToConfigure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("untrusted certificate", func(t *testing.T) {
		t.Parallel()
		srv := newMemServer(t, memOptions{tls: newServerTLS(t, true)})
		cfg := srv.config()
		cfg.Security = SecurityTLS // system roots: the test certificate is not trusted
		err := newConnector(t, cfg).Test(ctx)
		require.ErrorIs(t, err, connector.ErrPermanent)
		require.ErrorContains(t, err, "imap: tls handshake with")
		require.ErrorContains(t, err, "certificate")
		require.ErrorContains(t, err, "not trusted")
	})
	t.Run("TLS to a plaintext port", func(t *testing.T) {
		t.Parallel()
		srv := newMemServer(t, memOptions{})
		cfg := srv.config()
		cfg.Security = SecurityTLS
		err := newConnector(t, cfg).Test(ctx)
		require.ErrorIs(t, err, connector.ErrPermanent)
		require.ErrorContains(t, err, "did not answer with TLS")
		require.ErrorContains(t, err, "starttls")
	})
	t.Run("STARTTLS not offered", func(t *testing.T) {
		t.Parallel()
		srv := newMemServer(t, memOptions{})
		cfg := srv.config()
		cfg.Security = SecurityStartTLS
		err := newConnector(t, cfg).Test(ctx)
		require.ErrorIs(t, err, connector.ErrPermanent)
		require.ErrorContains(t, err, "refused STARTTLS")
	})
	t.Run("wrong host name", func(t *testing.T) {
		t.Parallel()
		st := newServerTLS(t, true)
		srv := newMemServer(t, memOptions{tls: st})
		cfg := srv.config()
		cfg.Security = SecurityTLS
		cfg.TLSConfig = &tls.Config{RootCAs: st.roots, ServerName: "imap.example.com"}
		err := newConnector(t, cfg).Test(ctx)
		require.ErrorIs(t, err, connector.ErrPermanent)
		require.ErrorContains(t, err, "certificate")
	})
}

func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("bad credentials", func(t *testing.T) {
		t.Parallel()
		srv := newMemServer(t, memOptions{})
		cfg := srv.config()
		cfg.Password = "wrong"
		c := newConnector(t, cfg)
		require.ErrorIs(t, c.Test(ctx), connector.ErrAuth)
		err := c.Sync(ctx, "", func(context.Context, *connector.Batch) error { return nil })
		require.ErrorIs(t, err, connector.ErrAuth)
		require.ErrorContains(t, err, "imap: authenticate PLAIN")
	})
	t.Run("LOGIN when PLAIN is not offered", func(t *testing.T) {
		t.Parallel()
		srv := newMemServer(t, memOptions{})
		p := newProxy(t, srv.addr, stripCap("AUTH=PLAIN"))
		host, port := splitAddr(t, p.addr())
		cfg := srv.config()
		cfg.Host, cfg.Port = host, port
		require.NoError(t, newConnector(t, cfg).Test(ctx))
		cfg.Password = "wrong"
		err := newConnector(t, cfg).Test(ctx)
		require.ErrorIs(t, err, connector.ErrAuth)
		require.ErrorContains(t, err, "imap: login")
	})
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		host, port := splitAddr(t, ln.Addr().String())
		require.NoError(t, ln.Close())
		c := newConnector(t, Config{Host: host, Port: port, Security: SecurityNone, Username: "u", Password: "p"})
		err = c.Test(ctx)
		require.ErrorIs(t, err, connector.ErrTemporary)
		require.ErrorContains(t, err, "imap: connect to")
	})
	t.Run("missing folder", func(t *testing.T) {
		t.Parallel()
		srv := newMemServer(t, memOptions{})
		c := newConnector(t, srv.config("INBOX", "Nope"))
		err := c.Test(ctx)
		require.ErrorIs(t, err, connector.ErrNotFound)
		require.ErrorContains(t, err, `"Nope"`)
	})
	t.Run("silent server: dial timeout", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { _ = c.Close() }) // accept, say nothing
			}
		}()
		host, port := splitAddr(t, ln.Addr().String())
		c := newConnector(t, Config{Host: host, Port: port, Security: SecurityNone, Username: "u", Password: "p", DialTimeout: 200 * time.Millisecond})
		start := time.Now()
		err = c.Test(ctx)
		require.ErrorIs(t, err, connector.ErrTemporary)
		require.Less(t, time.Since(start), 10*time.Second)
	})
	t.Run("hung server: command timeout", func(t *testing.T) {
		t.Parallel()
		srv := newMemServer(t, memOptions{})
		srv.admin().appendMsg("INBOX", testMessage("x"))
		f := newFreezer()
		p := newProxy(t, srv.addr, f.rewrite)
		t.Cleanup(f.release) // before the proxy's cleanup
		host, port := splitAddr(t, p.addr())
		cfg := srv.config()
		cfg.Host, cfg.Port = host, port
		cfg.CommandTimeout = 300 * time.Millisecond
		c := newConnector(t, cfg)
		require.NoError(t, c.Test(ctx)) // a pooled, logged-in connection
		f.frozen.Store(true)
		start := time.Now()
		err := c.Sync(ctx, "", func(context.Context, *connector.Batch) error { return nil })
		require.ErrorIs(t, err, connector.ErrTemporary)
		require.ErrorContains(t, err, "no answer from the server")
		require.Less(t, time.Since(start), 10*time.Second)
	})
	t.Run("cancelled while connecting", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { _ = c.Close() })
			}
		}()
		host, port := splitAddr(t, ln.Addr().String())
		c := newConnector(t, Config{Host: host, Port: port, Security: SecurityNone, Username: "u", Password: "p"})
		ctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		err = c.Test(ctx)
		require.ErrorIs(t, err, context.Canceled)
		require.Nil(t, connector.KindOf(err), "the caller's cancellation is not a server failure")
	})
}

func TestXOAUTH2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newMemServer(t, memOptions{xoauth2: true})
	cfg := srv.config("INBOX")
	cfg.Password = ""
	cfg.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})
	require.NoError(t, newConnector(t, cfg).Test(ctx))

	cfg.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "revoked"})
	err := newConnector(t, cfg).Test(ctx)
	require.ErrorIs(t, err, connector.ErrAuth)
	require.ErrorContains(t, err, "status 401")
	require.Eventually(t, srv.emptyAnswer.Load, 5*time.Second, 10*time.Millisecond,
		"the error challenge must be answered with an empty response")

	cfg.TokenSource = errTokenSource{&oauth2.RetrieveError{ErrorCode: "invalid_grant"}}
	require.ErrorIs(t, newConnector(t, cfg).Test(ctx), connector.ErrAuth, "a refresh token the provider rejects")

	plain := newMemServer(t, memOptions{})
	pcfg := plain.config()
	pcfg.Password = ""
	pcfg.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})
	err = newConnector(t, pcfg).Test(ctx)
	require.ErrorIs(t, err, connector.ErrPermanent)
	require.ErrorContains(t, err, "AUTH=XOAUTH2")
}

type errTokenSource struct{ err error }

func (e errTokenSource) Token() (*oauth2.Token, error) { return nil, e.err }
