package smtp_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/smtp"
)

// guard fails the test when f does not return within a minute: a call
// that ignores its context would otherwise hang the test binary. It is
// not a speed check.
func guard[T any](t *testing.T, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(time.Minute):
		t.Fatal("the call did not return: its context was ignored")
		panic("unreachable")
	}
}

// blockFirstData makes the server hold its reply to the first DATA
// until the test ends, and says when it started holding.
func blockFirstData(t *testing.T) (hook func(int) error, started <-chan struct{}) {
	ch := make(chan struct{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var calls atomic.Int64
	return func(int) error {
		if calls.Add(1) == 1 {
			close(ch)
			<-release
			return smtpErr(451, "released at the end of the test")
		}
		return nil
	}, ch
}

func TestSendContextCanceledBeforeDial(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := newSender(t, ts.config(t, smtp.SecurityNone)).Send(ctx, simple(t))
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, connector.ErrTemporary)
	require.Zero(t, ts.conns.Load())
}

func TestSendContextCanceledDuringGreeting(t *testing.T) {
	t.Parallel()
	addr, accepted := silentListener(t)
	host, port := hostPort(t, addr)
	s := newSender(t, smtp.Config{Host: host, Port: port, Security: smtp.SecurityNone, Timeout: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-accepted
		cancel()
	}()
	err := guard(t, func() error {
		_, err := s.Send(ctx, simple(t))
		return err
	})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, connector.ErrTemporary)
}

func TestSendContextDeadlineDuringTLSHandshake(t *testing.T) {
	t.Parallel()
	addr, _ := silentListener(t)
	host, port := hostPort(t, addr)
	s := newSender(t, smtp.Config{Host: host, Port: port, Security: smtp.SecurityTLS, Timeout: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := guard(t, func() error { return s.Test(ctx) })
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, connector.ErrTemporary)
}

func TestSendContextCanceledDuringData(t *testing.T) {
	t.Parallel()
	hook, started := blockFirstData(t)
	ts := startServer(t, serverOptions{TLS: "starttls", Data: hook})
	cfg := ts.config(t, smtp.SecurityStartTLS)
	cfg.Timeout = time.Hour
	s := newSender(t, cfg)

	ss, err := s.Dial(t.Context())
	require.NoError(t, err)
	defer func() { _ = ss.Close() }()
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-started
		cancel()
	}()
	err = guard(t, func() error {
		_, err := ss.Send(ctx, simple(t))
		return err
	})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, connector.ErrTemporary)

	// The aborted connection is dropped; the session reconnects.
	_, err = ss.Send(t.Context(), simple(t))
	require.NoError(t, err)
	require.Equal(t, int64(2), ts.conns.Load())
	require.Len(t, ts.received(), 1)
}

func TestSendTimeout(t *testing.T) {
	t.Parallel()
	addr, _ := silentListener(t)
	host, port := hostPort(t, addr)
	s := newSender(t, smtp.Config{Host: host, Port: port, Security: smtp.SecurityNone, Timeout: 50 * time.Millisecond})
	err := guard(t, func() error {
		_, err := s.Send(context.Background(), simple(t))
		return err
	})
	require.ErrorIs(t, err, connector.ErrTemporary)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "want a timeout, got %v", err)
}

func TestSendConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	host, port := hostPort(t, l.Addr().String())
	require.NoError(t, l.Close())
	_, err = newSender(t, smtp.Config{Host: host, Port: port}).Send(t.Context(), simple(t))
	require.ErrorIs(t, err, connector.ErrTemporary)
	require.Contains(t, err.Error(), "smtp: connect "+l.Addr().String())
}
