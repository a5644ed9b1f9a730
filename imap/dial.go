package imap

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/firstline"
)

// dial connects to the server, protects the connection as
// Config.Security says, waits for the greeting and authenticates, all
// within Config.DialTimeout. handler receives unilateral data (Listen's
// connections); nil for the others.
func dial(ctx context.Context, cfg *Config, handler *imapclient.UnilateralDataHandler) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	addr := cfg.address()
	dialContext := cfg.DialContext
	if dialContext == nil {
		d := net.Dialer{KeepAlive: 30 * time.Second}
		dialContext = d.DialContext
	}
	raw, err := dialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, dialError(ctx, "imap: connect to "+addr, err)
	}
	// Until the connection is ready, ctx ending (the caller's, or the
	// dial timeout) closes it, which unblocks whatever is waiting on it.
	stop := context.AfterFunc(ctx, func() { _ = raw.Close() })
	fail := func(err error) (*conn, error) {
		stop()
		_ = raw.Close()
		if ctx.Err() != nil {
			return nil, dialError(ctx, "imap: connect to "+addr, err)
		}
		return nil, err
	}

	// A sync connection reads megabytes: read them from the socket in
	// large chunks, below TLS. go-imap reads through a 4 KiB buffer, one
	// system call per 4 KiB of plaintext mail, most of a full sync's
	// system calls. Listen's connections mostly wait: they keep to the
	// small buffer, which keeps an idle account small.
	base := net.Conn(raw)
	var br *bufio.Reader
	if handler == nil {
		rb := &readBufferConn{Conn: raw, r: bufio.NewReaderSize(raw, readBufferSize)}
		base, br = rb, rb.r
	}
	netConn := base
	switch cfg.Security {
	case SecurityTLS:
		tc := tls.Client(base, tlsConfig(cfg))
		if err := tc.HandshakeContext(ctx); err != nil {
			if ctx.Err() != nil {
				return fail(err)
			}
			return fail(tlsError(addr, cfg.Security, err))
		}
		netConn = tc
	case SecurityStartTLS:
		tc, err := startTLS(base, br, cfg, addr)
		if err != nil {
			return fail(err)
		}
		// The server sent its greeting before STARTTLS; go-imap expects
		// one, so replay a neutral one on the protected connection.
		netConn = &prefixConn{Conn: tc, prefix: []byte("* OK [replayed after STARTTLS] ready\r\n")}
	}

	var first *firstline.Conn
	if cfg.Security != SecurityStartTLS { // startTLS has read the greeting
		first = firstline.New(netConn)
		netConn = first
	}
	client := imapclient.New(netConn, &imapclient.Options{UnilateralDataHandler: handler})
	c := &conn{client: client, netConn: netConn, timeout: cfg.CommandTimeout, maxLiteral: cfg.MaxMessageBytes}
	if err := client.WaitGreeting(); err != nil {
		_ = client.Close()
		return fail(greetingError("imap: greeting from "+addr, first.Line(), err))
	}
	if err := authenticate(c, cfg); err != nil {
		_ = client.Close()
		return fail(err)
	}
	if c.caps = client.Caps(); c.caps == nil {
		_ = client.Close()
		return fail(connector.TemporaryError("imap: capability", errors.New("no CAPABILITY answer")))
	}
	if !stop() { // ctx ended just now: raw is closed
		_ = client.Close()
		return fail(ctx.Err())
	}
	return c, nil
}

// dialError classifies a failure to connect; a dial timeout is a
// temporary failure, the caller's cancellation is its own error.
func dialError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		if cause := context.Cause(ctx); errors.Is(cause, context.Canceled) {
			return fmt.Errorf("%s: %w", op, cause)
		}
		// Our own DialTimeout, or the caller's deadline.
		return connector.NewError(connector.ErrTemporary, op, fmt.Errorf("timed out: %w", errors.Join(err, context.DeadlineExceeded)))
	}
	return classify(op, err)
}

func tlsConfig(cfg *Config) *tls.Config {
	var tc *tls.Config
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	} else {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	if tc.NextProtos == nil {
		tc.NextProtos = []string{"imap"}
	}
	return tc
}

// startTLS reads the greeting and upgrades raw with STARTTLS. It speaks
// the few lines of IMAP this needs itself, rather than through go-imap,
// so that the TLS connection is in hand (see authenticate's XOAUTH2). br,
// if not nil, is the buffer raw reads through.
func startTLS(raw net.Conn, br *bufio.Reader, cfg *Config, addr string) (*tls.Conn, error) {
	if br == nil {
		br = bufio.NewReaderSize(raw, 1024)
	}
	first, err := br.ReadSlice('\n')
	if err != nil {
		return nil, greetingError("imap: greeting from "+addr, first, err)
	}
	line := strings.TrimRight(string(first), "\r\n")
	switch {
	case !firstline.CouldStart([]byte(line), greetings...):
		return nil, notIMAP("imap: greeting from " + addr)
	case strings.HasPrefix(line, "* PREAUTH"):
		return nil, connector.PermanentError("imap: starttls with "+addr, errors.New("server sent PREAUTH on an unencrypted connection"))
	case strings.HasPrefix(line, "* BYE"):
		return nil, connector.TemporaryError("imap: greeting from "+addr, errors.New(line))
	case !strings.HasPrefix(line, "* OK"):
		return nil, notIMAP("imap: greeting from " + addr)
	}
	if _, err := raw.Write([]byte("S0 STARTTLS\r\n")); err != nil {
		return nil, classify("imap: starttls with "+addr, err)
	}
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, classify("imap: starttls with "+addr, err)
		}
		if strings.HasPrefix(line, "* ") {
			continue // a second greeting line, a CAPABILITY
		}
		if !strings.HasPrefix(line, "S0 ") {
			return nil, connector.PermanentError("imap: starttls with "+addr, fmt.Errorf("unexpected answer %q", excerpt(line)))
		}
		if !strings.HasPrefix(strings.ToUpper(line[3:]), "OK") {
			return nil, connector.PermanentError("imap: starttls with "+addr,
				fmt.Errorf(`server refused STARTTLS: %q (use security "tls" on port 993, or "none" only on a trusted network)`, excerpt(line)))
		}
		break
	}
	if br.Buffered() > 0 {
		// Bytes after the OK and before the handshake were injected by
		// someone on the plaintext path (CVE-2011-0411 style).
		return nil, connector.PermanentError("imap: starttls with "+addr, errors.New("server sent data before the TLS handshake"))
	}
	tc := tls.Client(raw, tlsConfig(cfg))
	if err := tc.Handshake(); err != nil {
		return nil, tlsError(addr, cfg.Security, err)
	}
	return tc, nil
}

func readLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", errors.New("line too long")
		}
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

func excerpt(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// readBufferSize is the socket read buffer of sync connections.
const readBufferSize = 64 << 10

// readBufferConn reads its connection through a larger buffer.
type readBufferConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *readBufferConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// prefixConn reads prefix before the connection's own bytes.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.prefix) > 0 {
		n := copy(b, p.prefix)
		p.prefix = p.prefix[n:]
		if len(p.prefix) == 0 {
			p.prefix = nil
		}
		return n, nil
	}
	return p.Conn.Read(b)
}
