package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gomail "github.com/wneessen/go-mail"

	"github.com/ucsp/integration/connector"
)

func TestKindOfCode(t *testing.T) {
	t.Parallel()
	want := map[int]error{
		0:   nil,
		421: connector.ErrTemporary, 450: connector.ErrTemporary, 451: connector.ErrTemporary,
		452: connector.ErrTemporary, 454: connector.ErrTemporary,
		530: connector.ErrAuth, 534: connector.ErrAuth, 535: connector.ErrAuth,
		500: connector.ErrPermanent, 550: connector.ErrPermanent, 552: connector.ErrPermanent,
		553: connector.ErrPermanent, 554: connector.ErrPermanent, 538: connector.ErrPermanent,
	}
	for code, kind := range want {
		require.Equal(t, kind, kindOfCode(code), "code %d", code)
	}
}

func TestClassifyDial(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name     string
		err      error
		kind     error
		sentinel error
	}{
		{"greeting 421", &textproto.Error{Code: 421, Msg: "busy"}, connector.ErrTemporary, nil},
		{"auth 535", fmt.Errorf("SMTP AUTH failed: %w", &textproto.Error{Code: 535, Msg: "bad"}), connector.ErrAuth, nil},
		{"auth 454", fmt.Errorf("SMTP AUTH failed: %w", &textproto.Error{Code: 454, Msg: "try later"}), connector.ErrTemporary, nil},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, connector.ErrTemporary, nil},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, connector.ErrTemporary, nil},
		{"EOF", io.EOF, connector.ErrTemporary, nil},
		{"timeout", os.ErrDeadlineExceeded, connector.ErrTemporary, nil},
		{"garbage reply", textproto.ProtocolError("short response: x"), connector.ErrTemporary, nil},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, connector.ErrPermanent, ErrTLSHandshake},
		{"not TLS", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, connector.ErrPermanent, ErrTLSHandshake},
		{"alert", tls.AlertError(40), connector.ErrPermanent, ErrTLSHandshake},
		{"version", errors.New("tls: server selected unsupported protocol version 301"), connector.ErrPermanent, ErrTLSHandshake},
		{"no STARTTLS", errors.New(`STARTTLS mode set to: "TLSMandatory", but target host does not support STARTTLS`), connector.ErrPermanent, ErrNoSTARTTLS},
		{"no XOAUTH2", gomail.ErrXOauth2AuthNotSupported, connector.ErrPermanent, ErrAuthNotOffered},
		{"no AUTH", errors.New("server does not support SMTP AUTH"), connector.ErrPermanent, ErrAuthNotOffered},
		{"nothing usable", gomail.ErrNoSupportedAuthDiscovered, connector.ErrPermanent, ErrAuthNotOffered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := classifyDial(ctx, "smtp: connect h:1", tt.err)
			require.Equal(t, tt.kind, connector.KindOf(err), "%v", err)
			if tt.sentinel != nil {
				require.ErrorIs(t, err, tt.sentinel)
			}
			require.Contains(t, err.Error(), "smtp: connect h:1: ")
		})
	}
}

func TestClassifyContextFirst(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := classifyDial(ctx, "op", &textproto.Error{Code: 550, Msg: "x"})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, connector.ErrTemporary)
	err = classifySend(ctx, "op", io.EOF)
	require.ErrorIs(t, err, context.Canceled)
}

func TestClassifySendWithoutReplyCode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A SendError without a reply code is the connection failing.
	m := gomail.NewMsg()
	require.NoError(t, m.From("a@example.com"))
	require.NoError(t, m.To("b@example.com"))
	c, err := gomail.NewClient("127.0.0.1", gomail.WithTLSPolicy(gomail.NoTLS))
	require.NoError(t, err)
	sendErr := c.Send(m) // not connected: ErrConnCheck
	require.Error(t, sendErr)
	err = classifySend(ctx, "op", sendErr)
	require.ErrorIs(t, err, connector.ErrTemporary)
	require.True(t, nothingSent(sendErr))
	require.True(t, connLost(sendErr))
	require.False(t, nothingSent(&textproto.Error{Code: 451}))
}

func TestRedact(t *testing.T) {
	t.Parallel()
	base := &textproto.Error{Code: 535, Msg: "no: hunter2 / " + b64("hunter2")}
	err := redact(base, "", "hunter2")
	require.NotContains(t, err.Error(), "hunter2")
	require.NotContains(t, err.Error(), b64("hunter2"))
	require.Contains(t, err.Error(), "535")
	require.Contains(t, err.Error(), "no: [redacted] / [redacted]")
	require.Same(t, error(base), redact(base, "other"), "unchanged errors are returned as they are")
	require.Nil(t, redact(nil, "x"))
}

func TestGuardConnAbort(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer func() { _ = b.Close() }()
	g := newGuardConn(a, time.Hour)
	defer func() { _ = g.Close() }()

	// go-mail's deadlines are ignored: an absolute deadline in the past
	// does not fail the next read.
	require.NoError(t, g.SetDeadline(time.Unix(1, 0)))
	go func() { _, _ = b.Write([]byte("x")) }()
	buf := make([]byte, 1)
	_, err := g.Read(buf)
	require.NoError(t, err)

	// abort ends a blocked read, and every later one.
	done := make(chan error, 1)
	go func() {
		_, err := g.Read(buf)
		done <- err
	}()
	g.abort()
	require.ErrorIs(t, <-done, os.ErrDeadlineExceeded)
	_, err = g.Write([]byte("y"))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.True(t, g.wasAborted())
}

func TestGuardConnIdleTimeout(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer func() { _ = b.Close() }()
	g := newGuardConn(a, 20*time.Millisecond)
	defer func() { _ = g.Close() }()
	_, err := g.Read(make([]byte, 1))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout())
}
