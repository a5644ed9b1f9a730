package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// Sender sends mail through one SMTP server. It implements
// connector.Sender and connector.Tester. It is safe for concurrent use:
// it holds no connection between calls (see Session for that).
type Sender struct {
	cfg  Config          // defaults applied, TLSConfig cloned
	log  *slog.Logger    // never nil
	opts []gomail.Option // the go-mail options every connection shares
}

var (
	_ connector.Sender = (*Sender)(nil)
	_ connector.Tester = (*Sender)(nil)
)

// New returns a Sender for cfg. It validates cfg and returns an error
// naming every field at fault; it does no network I/O (Test does).
func New(cfg Config) (*Sender, error) {
	cfg = cfg.withDefaults()
	if p := cfg.problems(); len(p) > 0 {
		msgs := make([]string, len(p))
		for i, q := range p {
			msgs[i] = "Config." + q.field + " " + q.msg
		}
		return nil, fmt.Errorf("smtp: invalid Config: %s", strings.Join(msgs, "; "))
	}
	tc := &tls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	cfg.TLSConfig = tc
	s := &Sender{cfg: cfg, log: cfg.Logger}
	s.opts = s.options()
	if cfg.Security == SecurityNone && (cfg.Password != "" || cfg.TokenSource != nil) {
		s.log.Warn("smtp: credentials will be sent without TLS because Security is \"none\"", "server", cfg.addr())
	}
	return s, nil
}

// Config returns the configuration s uses, with the defaults filled in.
func (s *Sender) Config() Config { return s.cfg }

// options are the go-mail client options for s.cfg, except the
// password (a fresh token per connection) and the dialer.
func (s *Sender) options() []gomail.Option {
	c := s.cfg
	var opts []gomail.Option
	switch c.Security {
	case SecurityTLS:
		opts = append(opts, gomail.WithSSLPort(false))
	case SecurityNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
	}
	// The port last: the TLS options above change a port of 25.
	opts = append(opts, gomail.WithPort(c.Port), gomail.WithTimeout(c.Timeout), gomail.WithTLSConfig(c.TLSConfig))
	if c.HELO != "" {
		opts = append(opts, gomail.WithHELO(c.HELO))
	}
	if c.DSN {
		// go-mail adds RET and NOTIFY only when EHLO lists DSN.
		opts = append(opts,
			gomail.WithDSNMailReturnType(gomail.DSNMailReturnHeadersOnly),
			gomail.WithDSNRcptNotifyType(gomail.DSNRcptNotifyFailure, gomail.DSNRcptNotifyDelay))
	}
	// Over SecurityNone the user chose plaintext explicitly; go-mail's
	// PLAIN and LOGIN would otherwise refuse to send the password.
	plain, login := gomail.SMTPAuthPlain, gomail.SMTPAuthLogin
	if c.Security == SecurityNone {
		plain, login = gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc
	}
	switch c.mechanism() {
	case AuthPlain:
		opts = append(opts, gomail.WithSMTPAuth(plain), gomail.WithUsername(c.Username))
	case AuthLogin:
		opts = append(opts, gomail.WithSMTPAuth(login), gomail.WithUsername(c.Username))
	case AuthXOAUTH2:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthXOAUTH2), gomail.WithUsername(c.Username))
	case AuthAuto:
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(plain, login), gomail.WithUsername(c.Username))
	}
	return opts
}

// Send sends msg on a new connection and closes it. msg.MessageID is
// the Message-ID sent; the result carries it and the server's reply to
// the message. An invalid msg gives a *connector.ValidationError
// (connector.ErrPermanent) and nothing is dialled. Errors are classified
// with the connector kinds (see the package documentation).
//
// To send many messages, SendMany or a Session reuse one connection.
func (s *Sender) Send(ctx context.Context, msg *connector.OutboundMessage) (*connector.SendResult, error) {
	gm, err := s.build(msg)
	if err != nil {
		return nil, err
	}
	ss, err := s.Dial(ctx)
	if err != nil {
		return nil, err
	}
	defer ss.quit(ctx)
	res, _, err := ss.sendBuilt(ctx, gm, msg)
	return res, err
}

// SendMany sends msgs over one connection, in order, and returns one
// result or one error per message (at the same index). Invalid messages
// fail alone. When the server closes the connection (an idle timeout, a
// limit of messages per connection), SendMany reconnects. When
// connecting fails, the remaining messages all get that error, without
// a connection attempt each.
func (s *Sender) SendMany(ctx context.Context, msgs []*connector.OutboundMessage) ([]*connector.SendResult, []error) {
	results := make([]*connector.SendResult, len(msgs))
	errs := make([]error, len(msgs))
	ss := &Session{s: s}
	defer ss.quit(ctx)
	var dialErr error
	for i, m := range msgs {
		// One message built at a time: a batch of large messages is
		// never all in memory.
		gm, err := s.build(m)
		switch {
		case err != nil:
			errs[i] = err
		case dialErr != nil:
			errs[i] = dialErr
		default:
			var failedDial bool
			results[i], failedDial, errs[i] = ss.sendBuilt(ctx, gm, m)
			if failedDial {
				dialErr = errs[i]
			}
		}
	}
	return results, errs
}

// Test connects, negotiates TLS, authenticates and quits, sending no
// message. A nil error means Send can start.
func (s *Sender) Test(ctx context.Context) error {
	ss, err := s.Dial(ctx)
	if err != nil {
		return err
	}
	ss.quit(ctx)
	return nil
}

// build validates msg and makes it into a go-mail Msg with the one
// outbound MIME builder, without a Bcc header.
func (s *Sender) build(msg *connector.OutboundMessage) (*gomail.Msg, error) {
	if msg == nil {
		return nil, connector.PermanentError("smtp: send", errors.New("nil message"))
	}
	gm, err := mime.Build(msg, mime.BuildOptions{IncludeBcc: false})
	if err != nil {
		if connector.KindOf(err) != nil {
			return nil, fmt.Errorf("smtp: send: %w", err)
		}
		return nil, connector.PermanentError("smtp: send", err)
	}
	return gm, nil
}
