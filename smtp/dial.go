package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"slices"

	gomail "github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/firstline"
)

// conn is one connection to the server, past greeting, TLS and AUTH.
type conn struct {
	gc    *gomail.Client // its options; sends on sc
	sc    *gmsmtp.Client
	guard *guardConn
	sent  int // messages accepted on this connection
}

// dial connects to the server: TCP, implicit TLS or STARTTLS, EHLO,
// AUTH. ctx bounds all of it. With a TokenSource, a token is taken (and
// so refreshed when needed) before every connection.
func (s *Sender) dial(ctx context.Context) (*conn, error) {
	op := "smtp: connect " + s.cfg.addr()
	if err := ctx.Err(); err != nil {
		return nil, connector.TemporaryError(op, err)
	}
	secret := s.cfg.Password
	if s.cfg.TokenSource != nil {
		tok, err := s.token(op)
		if err != nil {
			return nil, err
		}
		secret = tok
	}
	dialContext := s.cfg.DialContext
	if dialContext == nil {
		d := net.Dialer{}
		dialContext = d.DialContext
	}
	dctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	raw, err := dialContext(dctx, "tcp", s.cfg.addr())
	cancel()
	if err != nil {
		return nil, classifyDial(ctx, op, err)
	}
	g := newGuardConn(raw, s.cfg.Timeout)
	stop := context.AfterFunc(ctx, g.abort)
	c, first, err := s.handshake(ctx, g, secret)
	if !stop() && err == nil {
		// ctx ended as the handshake did: the connection is aborted.
		_ = c.sc.Close()
		err = ctx.Err()
	}
	if err != nil {
		_ = g.Close()
		if line := first.Line(); len(line) > 0 && !firstline.CouldStart(line, greetings...) {
			return nil, notSMTP(op)
		}
		return nil, classifyDial(ctx, op, err, secret)
	}
	s.log.Debug("smtp: connected", "server", s.cfg.addr(), "security", string(s.cfg.Security), "auth", string(s.cfg.mechanism()))
	return c, nil
}

// handshake runs implicit TLS if configured, then go-mail's greeting,
// STARTTLS and AUTH on g. It also returns the connection that keeps the
// server's first line (nil if it failed before).
func (s *Sender) handshake(ctx context.Context, g *guardConn, secret string) (*conn, *firstline.Conn, error) {
	var nc net.Conn = g
	if s.cfg.Security == SecurityTLS {
		// go-mail does implicit TLS itself only with its own dialer.
		tc := tls.Client(g, s.cfg.TLSConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, nil, err
		}
		nc = tc
	}
	first := firstline.New(nc)
	nc = first
	dialed := false
	opts := append(slices.Clip(s.opts),
		gomail.WithPassword(secret),
		gomail.WithDialContextFunc(func(context.Context, string, string) (net.Conn, error) {
			if dialed {
				return nil, errors.New("smtp: internal error: dialled twice")
			}
			dialed = true
			return nc, nil
		}))
	gc, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, first, err
	}
	sc, err := gc.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, first, err
	}
	return &conn{gc: gc, sc: sc, guard: g}, first, nil
}

// token returns a valid access token from the TokenSource.
func (s *Sender) token(op string) (string, error) {
	tok, err := s.cfg.TokenSource.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil &&
			(re.Response.StatusCode >= 500 || re.Response.StatusCode == 429) {
			return "", connector.TemporaryError(op+": oauth2 token", err)
		}
		if errors.As(err, &re) {
			// invalid_grant and friends: the grant is gone.
			return "", connector.AuthError(op+": oauth2 token", err)
		}
		return "", connector.TemporaryError(op+": oauth2 token", err)
	}
	switch {
	case tok == nil || tok.AccessToken == "":
		return "", connector.AuthError(op+": oauth2 token", errors.New("the token source returned no access token"))
	case !tok.Valid():
		return "", connector.AuthError(op+": oauth2 token", errors.New("the access token has expired and the token source did not refresh it"))
	}
	return tok.AccessToken, nil
}

// do runs f with ctx able to abort the connection. It reports whether
// ctx ended during f (the connection is then unusable).
func (c *conn) do(ctx context.Context, f func() error) (aborted bool, err error) {
	stop := context.AfterFunc(ctx, c.guard.abort)
	err = f()
	return !stop(), err
}

// send sends one built message.
func (c *conn) send(ctx context.Context, gm *gomail.Msg) (aborted bool, err error) {
	return c.do(ctx, func() error { return c.gc.SendWithSMTPClient(c.sc, gm) })
}

// reset ends a failed transaction so that the connection can be reused.
func (c *conn) reset(ctx context.Context) error {
	aborted, err := c.do(ctx, c.sc.Reset)
	if aborted && err == nil {
		err = ctx.Err()
	}
	return err
}

// quit says QUIT, ignoring the answer, and closes the connection.
func (c *conn) quit(ctx context.Context) {
	if !c.guard.wasAborted() {
		_, _ = c.do(ctx, c.sc.Quit)
	}
	c.close()
}

// close closes the connection without QUIT.
func (c *conn) close() {
	_ = c.sc.Close()
	_ = c.guard.Close()
}
