package smtp_test

import (
	"context"
	"errors"
	"net"
	"testing"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
	gomail "github.com/wneessen/go-mail"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/smtp"
)

func newSender(t testing.TB, cfg smtp.Config) *smtp.Sender {
	t.Helper()
	s, err := smtp.New(cfg)
	require.NoError(t, err)
	return s
}

func TestSendReplyRoundTrip(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{TLS: "starttls", Mechs: []string{"PLAIN"}, Users: map[string]string{"support@example.com": "s3cret"}})
	cfg := ts.config(t, smtp.SecurityStartTLS)
	cfg.Username, cfg.Password = "support@example.com", "s3cret"
	out := reply(t)

	res, err := newSender(t, cfg).Send(t.Context(), out)
	require.NoError(t, err)
	require.Equal(t, out.MessageID, res.MessageID)
	require.Contains(t, res.Response, "OK", "the server's reply to the message")

	msgs := ts.received()
	require.Len(t, msgs, 1)
	got := msgs[0]
	require.True(t, got.TLS, "sent before STARTTLS")
	require.Equal(t, "support@example.com", got.User)
	require.Equal(t, "support@example.com", got.From)
	require.ElementsMatch(t, []string{"customer@example.org", "colleague@example.org", "audit@example.net"}, got.Rcpts,
		"the Bcc recipient must get a RCPT TO")
	require.NotContains(t, headerBlock(got.Raw), "\r\nBcc:", "no Bcc header may be sent")
	require.NotContains(t, string(got.Raw), "audit@example.net", "the Bcc address must not appear in the message")
	requireSameMessage(t, out, got.Raw)
	require.Equal(t, int64(1), ts.conns.Load())
}

func TestSendSecurity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		serverTLS string
		security  smtp.Security
		wantTLS   bool
	}{
		{"starttls", "starttls", smtp.SecurityStartTLS, true},
		{"implicit TLS", "implicit", smtp.SecurityTLS, true},
		{"plaintext when configured", "", smtp.SecurityNone, false},
		{"none does not upgrade even if offered", "starttls", smtp.SecurityNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{TLS: tt.serverTLS})
			out := simple(t)
			_, err := newSender(t, ts.config(t, tt.security)).Send(t.Context(), out)
			require.NoError(t, err)
			msgs := ts.received()
			require.Len(t, msgs, 1)
			require.Equal(t, tt.wantTLS, msgs[0].TLS)
			requireSameMessage(t, out, msgs[0].Raw)
		})
	}
}

func TestSendRefusesServerWithoutSTARTTLS(t *testing.T) {
	t.Parallel()
	// A plaintext server offering AUTH PLAIN: neither the password nor
	// the message may leave in clear.
	ts := startServer(t, serverOptions{Mechs: []string{"PLAIN", "LOGIN"}, Users: map[string]string{"u": "pw"}})
	for _, sec := range []smtp.Security{"", smtp.SecurityStartTLS} {
		cfg := ts.config(t, sec)
		cfg.Username, cfg.Password = "u", "pw"
		_, err := newSender(t, cfg).Send(t.Context(), simple(t))
		require.ErrorIs(t, err, smtp.ErrNoSTARTTLS)
		require.ErrorIs(t, err, connector.ErrPermanent)
		require.Contains(t, err.Error(), "STARTTLS")
		require.Contains(t, err.Error(), "smtp: ")
	}
	require.Zero(t, ts.auths.Load(), "credentials were offered without TLS")
	require.Empty(t, ts.received())
}

func TestSendTLSHandshakeFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		serverTLS string
		security  smtp.Security
		trust     bool
	}{
		{"starttls untrusted certificate", "starttls", smtp.SecurityStartTLS, false},
		{"implicit TLS untrusted certificate", "implicit", smtp.SecurityTLS, false},
		{"implicit TLS to a plaintext server", "", smtp.SecurityTLS, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{TLS: tt.serverTLS})
			cfg := ts.config(t, tt.security)
			if !tt.trust {
				cfg.TLSConfig = nil // system roots do not know the test CA
			}
			_, err := newSender(t, cfg).Send(t.Context(), simple(t))
			require.ErrorIs(t, err, smtp.ErrTLSHandshake)
			require.ErrorIs(t, err, connector.ErrPermanent)
			require.Contains(t, err.Error(), "TLS handshake")
			require.Empty(t, ts.received())
		})
	}
}

func TestSendServerName(t *testing.T) {
	t.Parallel()
	// The certificate is for 127.0.0.1 and localhost: a ServerName
	// that does not match must fail, one that does must pass.
	ts := startServer(t, serverOptions{TLS: "implicit"})
	cfg := ts.config(t, smtp.SecurityTLS)
	cfg.TLSConfig.ServerName = "mail.example.com"
	_, err := newSender(t, cfg).Send(t.Context(), simple(t))
	require.ErrorIs(t, err, smtp.ErrTLSHandshake)

	cfg = ts.config(t, smtp.SecurityTLS)
	cfg.TLSConfig.ServerName = "localhost"
	_, err = newSender(t, cfg).Send(t.Context(), simple(t))
	require.NoError(t, err)
}

func TestSendErrorClassification(t *testing.T) {
	t.Parallel()
	reply := func(code int) error { return smtpErr(code, "") }
	tests := []struct {
		name string
		opts serverOptions
		kind error
	}{
		{"421 on MAIL", serverOptions{Mail: func(string) error { return reply(421) }}, connector.ErrTemporary},
		{"450 on RCPT", serverOptions{Rcpt: func(string) error { return reply(450) }}, connector.ErrTemporary},
		{"451 on DATA", serverOptions{Data: func(int) error { return reply(451) }}, connector.ErrTemporary},
		{"452 on RCPT", serverOptions{Rcpt: func(string) error { return reply(452) }}, connector.ErrTemporary},
		{"550 on RCPT", serverOptions{Rcpt: func(string) error { return reply(550) }}, connector.ErrPermanent},
		{"552 on DATA", serverOptions{Data: func(int) error { return reply(552) }}, connector.ErrPermanent},
		{"554 on DATA", serverOptions{Data: func(int) error { return reply(554) }}, connector.ErrPermanent},
		{"553 on MAIL", serverOptions{Mail: func(string) error { return reply(553) }}, connector.ErrPermanent},
		{"530 on MAIL", serverOptions{Mail: func(string) error { return reply(530) }}, connector.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, tt.opts)
			_, err := newSender(t, ts.config(t, smtp.SecurityNone)).Send(t.Context(), simple(t))
			require.Error(t, err)
			require.Equal(t, tt.kind, connector.KindOf(err), "%v", err)
			var se *gomail.SendError
			require.ErrorAs(t, err, &se, "go-mail's SendError stays reachable")
			require.Equal(t, errors.Is(err, connector.ErrTemporary), se.IsTemp())
			require.Contains(t, err.Error(), "smtp: send ")
			require.Empty(t, ts.received())
		})
	}
}

func TestSendRejectedRecipientSendsNothing(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{Rcpt: func(to string) error {
		if to == "colleague@example.org" {
			return smtpErr(550, "No such user")
		}
		return nil
	}})
	_, err := newSender(t, ts.config(t, smtp.SecurityNone)).Send(t.Context(), reply(t))
	require.ErrorIs(t, err, connector.ErrPermanent)
	require.Contains(t, err.Error(), "colleague@example.org")
	require.Empty(t, ts.received(), "a message with a rejected recipient was sent to the others")
}

func TestSendGreetingRefused(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{Greet: smtpErr(421, "Service not available")})
	_, err := newSender(t, ts.config(t, smtp.SecurityNone)).Send(t.Context(), simple(t))
	require.ErrorIs(t, err, connector.ErrTemporary)
	require.Contains(t, err.Error(), "smtp: connect ")
}

func TestSendInvalidMessageDialsNothing(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{})
	s := newSender(t, ts.config(t, smtp.SecurityNone))
	bad := simple(t)
	bad.To = nil
	bad.Subject = "injected\r\nBcc: victim@example.com"
	_, err := s.Send(t.Context(), bad)
	require.ErrorIs(t, err, connector.ErrPermanent)
	var v *connector.ValidationError
	require.ErrorAs(t, err, &v)
	require.Contains(t, err.Error(), "smtp: send")

	_, err = s.Send(t.Context(), nil)
	require.ErrorIs(t, err, connector.ErrPermanent)

	require.Zero(t, ts.conns.Load(), "an invalid message caused a connection")
}

func TestSendDSN(t *testing.T) {
	t.Parallel()
	for _, advertised := range []bool{true, false} {
		ts := startServer(t, serverOptions{DSN: advertised})
		cfg := ts.config(t, smtp.SecurityNone)
		cfg.DSN = true
		_, err := newSender(t, cfg).Send(t.Context(), simple(t))
		require.NoError(t, err, "advertised=%v", advertised)
		got := ts.received()[0]
		if advertised {
			require.Equal(t, "HDRS", string(got.MailOpts.Return))
			require.Len(t, got.RcptOpts, 1)
			require.ElementsMatch(t, []string{"FAILURE", "DELAY"}, notify(got.RcptOpts[0].Notify))
		} else {
			require.Empty(t, got.MailOpts.Return)
			require.Empty(t, got.RcptOpts[0].Notify)
		}
	}
}

func TestSendConcurrent(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{TLS: "starttls"})
	s := newSender(t, ts.config(t, smtp.SecurityStartTLS))
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := s.Send(context.Background(), simple(t))
			errs <- err
		}()
	}
	for range n {
		require.NoError(t, <-errs)
	}
	require.Len(t, ts.received(), n)
}

func TestSenderTest(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{TLS: "implicit", Mechs: []string{"PLAIN"}, Users: map[string]string{"u": "pw"}})
	cfg := ts.config(t, smtp.SecurityTLS)
	cfg.Username, cfg.Password = "u", "pw"
	require.NoError(t, newSender(t, cfg).Test(t.Context()))

	cfg.Password = "wrong"
	require.ErrorIs(t, newSender(t, cfg).Test(t.Context()), connector.ErrAuth)
	require.Empty(t, ts.received())
}

func notify(n []gosmtp.DSNNotify) []string {
	out := make([]string, len(n))
	for i, v := range n {
		out[i] = string(v)
	}
	return out
}

func TestSendIPv6(t *testing.T) {
	t.Parallel()
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback on this machine:", err)
	} else {
		_ = l.Close()
	}
	ts := startServer(t, serverOptions{Listen: "[::1]:0"})
	cfg := ts.config(t, smtp.SecurityNone)
	require.Equal(t, "::1", cfg.Host)
	_, err := newSender(t, cfg).Send(t.Context(), simple(t))
	require.NoError(t, err)
	require.Len(t, ts.received(), 1)
}
