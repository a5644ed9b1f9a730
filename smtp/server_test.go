package smtp_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/smtp"
)

// serverOptions shape an in-process SMTP server (emersion/go-smtp) on a
// loopback listener.
type serverOptions struct {
	// Listen is the listening address; empty means 127.0.0.1:0.
	Listen string
	// TLS is "" (plaintext, no STARTTLS), "starttls" or "implicit".
	TLS string
	// Mechs are the AUTH mechanisms offered: "PLAIN", "LOGIN", "XOAUTH2".
	// When set, MAIL FROM before AUTH gets 530.
	Mechs []string
	// Users are the PLAIN/LOGIN accounts, user → password.
	Users map[string]string
	// Token reports whether an XOAUTH2 token is valid for user; nil
	// accepts none.
	Token func(user, token string) bool
	// AuthFailText replaces the text of the 535 reply.
	AuthFailText string
	// DSN advertises the DSN extension.
	DSN bool
	// Greet, when set, refuses the session (the reply to EHLO/HELO).
	Greet error
	// Mail, Rcpt and Data, when set, may refuse a command; n counts the
	// messages accepted by the server so far.
	Mail func(from string) error
	Rcpt func(to string) error
	Data func(n int) error
	// PerConnLimit refuses MAIL FROM with 421 after that many messages on
	// one connection, and closes it.
	PerConnLimit int
}

// received is a message the server accepted.
type received struct {
	From     string
	Rcpts    []string
	Raw      []byte
	User     string
	TLS      bool
	MailOpts gosmtp.MailOptions
	RcptOpts []gosmtp.RcptOptions
}

// testServer is a running in-process SMTP server.
type testServer struct {
	opts  serverOptions
	host  string
	port  int
	roots *x509.CertPool

	conns atomic.Int64 // TCP connections accepted
	auths atomic.Int64 // AUTH attempts

	mu     sync.Mutex
	msgs   []received
	tokens []string       // XOAUTH2 tokens presented, in order
	live   []*gosmtp.Conn // open connections
}

func startServer(t testing.TB, opts serverOptions) *testServer {
	t.Helper()
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", opts.Listen)
	require.NoError(t, err)
	ta := l.Addr().(*net.TCPAddr)
	ts := &testServer{opts: opts, host: ta.IP.String(), port: ta.Port}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(ts.newSession))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.EnableDSN = opts.DSN
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	var ln net.Listener = &countingListener{Listener: l, n: &ts.conns}
	switch opts.TLS {
	case "":
		srv.AllowInsecureAuth = true
	case "starttls":
		srv.TLSConfig, ts.roots = serverTLS(t)
	case "implicit":
		var cfg *tls.Config
		cfg, ts.roots = serverTLS(t)
		ln = tls.NewListener(ln, cfg)
	default:
		t.Fatalf("unknown TLS mode %q", opts.TLS)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ts
}

// config is a client Config for ts: its address, its CA, security sec
// and a logger writing to the test's output.
func (ts *testServer) config(t testing.TB, sec smtp.Security) smtp.Config {
	return smtp.Config{
		Host:      ts.host,
		Port:      ts.port,
		Security:  sec,
		TLSConfig: &tls.Config{RootCAs: ts.roots},
		HELO:      "client.test",
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func (ts *testServer) received() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.msgs...)
}

func (ts *testServer) presentedTokens() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.tokens...)
}

// dropConnections closes every open connection, as a server does on an
// idle timeout.
func (ts *testServer) dropConnections() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for _, c := range ts.live {
		_ = c.Close()
	}
	ts.live = nil
}

func (ts *testServer) newSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	if ts.opts.Greet != nil {
		return nil, ts.opts.Greet
	}
	_, isTLS := c.TLSConnectionState()
	ts.mu.Lock()
	ts.live = append(ts.live, c)
	ts.mu.Unlock()
	return &session{ts: ts, conn: c, tls: isTLS}, nil
}

// session is one SMTP session of the test server.
type session struct {
	ts   *testServer
	conn *gosmtp.Conn
	tls  bool
	user string
	sent int // messages accepted on this connection

	closing bool

	from     string
	mailOpts gosmtp.MailOptions
	rcpts    []string
	rcptOpts []gosmtp.RcptOptions
}

var (
	errAuthFailed = &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
	errTooMany    = &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0}, Message: "Too many messages on this connection, closing"}
)

func (s *session) AuthMechanisms() []string { return s.ts.opts.Mechs }

func (s *session) Auth(mech string) (sasl.Server, error) {
	s.ts.auths.Add(1)
	fail := errAuthFailed
	if s.ts.opts.AuthFailText != "" {
		fail = &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8}, Message: s.ts.opts.AuthFailText}
	}
	check := func(user, pass string) error {
		if want, ok := s.ts.opts.Users[user]; !ok || want != pass {
			return fail
		}
		s.user = user
		return nil
	}
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case "LOGIN":
		return &loginServer{check: check}, nil
	case "XOAUTH2":
		return &xoauth2Server{fail: fail, check: func(user, token string) error {
			s.ts.mu.Lock()
			s.ts.tokens = append(s.ts.tokens, token)
			s.ts.mu.Unlock()
			if s.ts.opts.Token == nil || !s.ts.opts.Token(user, token) {
				return fail
			}
			s.user = user
			return nil
		}}, nil
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

func (s *session) Mail(from string, opts *gosmtp.MailOptions) error {
	if len(s.ts.opts.Mechs) > 0 && s.user == "" {
		return gosmtp.ErrAuthRequired
	}
	if s.ts.opts.PerConnLimit > 0 && s.sent >= s.ts.opts.PerConnLimit {
		s.closing = true // at the client's RSET, after the reply
		return errTooMany
	}
	if s.ts.opts.Mail != nil {
		if err := s.ts.opts.Mail(from); err != nil {
			return err
		}
	}
	s.from, s.mailOpts = from, *opts
	return nil
}

func (s *session) Rcpt(to string, opts *gosmtp.RcptOptions) error {
	if s.ts.opts.Rcpt != nil {
		if err := s.ts.opts.Rcpt(to); err != nil {
			return err
		}
	}
	s.rcpts = append(s.rcpts, to)
	s.rcptOpts = append(s.rcptOpts, *opts)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.ts.opts.Data != nil {
		s.ts.mu.Lock()
		n := len(s.ts.msgs)
		s.ts.mu.Unlock()
		if err := s.ts.opts.Data(n); err != nil {
			return err
		}
	}
	s.ts.mu.Lock()
	s.ts.msgs = append(s.ts.msgs, received{
		From: s.from, Rcpts: s.rcpts, Raw: raw, User: s.user, TLS: s.tls,
		MailOpts: s.mailOpts, RcptOpts: s.rcptOpts,
	})
	s.ts.mu.Unlock()
	s.sent++
	return nil
}

func (s *session) Reset() {
	if s.closing {
		// Not inline: go-smtp holds the connection's lock here.
		go func() { _ = s.conn.Close() }()
	}
	s.from, s.rcpts, s.rcptOpts, s.mailOpts = "", nil, nil, gosmtp.MailOptions{}
}

func (s *session) Logout() error { return nil }

// smtpErr is a server reply code with an enhanced code X.0.0 and text.
func smtpErr(code int, text string) error {
	if text == "" {
		text = "refused by the test"
	}
	return &gosmtp.SMTPError{Code: code, EnhancedCode: gosmtp.EnhancedCode{code / 100, 0, 0}, Message: text}
}

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(resp []byte) (challenge []byte, done bool, err error) {
	defer func() { l.step++ }()
	switch l.step {
	case 0:
		if resp != nil { // an initial response is the user name
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(resp))
	}
}

// xoauth2Server is the server side of AUTH XOAUTH2 as Google and
// Microsoft run it: a bad token gets a 334 with a JSON error, the client
// answers with an empty line, and then the 535.
type xoauth2Server struct {
	check  func(user, token string) error
	fail   error
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) (challenge []byte, done bool, err error) {
	if x.failed {
		return nil, true, x.fail
	}
	if resp == nil {
		return []byte{}, false, nil
	}
	user, token, ok := parseXOAUTH2(resp)
	if !ok {
		return nil, true, errors.New("malformed XOAUTH2 response")
	}
	if err := x.check(user, token); err != nil {
		x.failed = true
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	return nil, true, nil
}

// parseXOAUTH2 parses "user=U\x01auth=Bearer T\x01\x01".
func parseXOAUTH2(b []byte) (user, token string, ok bool) {
	for _, f := range strings.Split(strings.TrimRight(string(b), "\x01"), "\x01") {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "user":
			user = v
		case "auth":
			token, ok = strings.CutPrefix(v, "Bearer ")
		}
	}
	return user, token, ok && user != ""
}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// serverTLS makes a self-signed certificate for 127.0.0.1 and localhost,
// and the pool that trusts it.
func serverTLS(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "smtp test server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}}, pool
}

// silentListener accepts connections and never says a word, like a
// black-holed server. accepted gets a value per connection.
func silentListener(t testing.TB) (addr string, accepted <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ch := make(chan struct{}, 16)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			ch <- struct{}{}
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String(), ch
}

func hostPort(t testing.TB, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(p)
	require.NoError(t, err)
	return h, n
}

// headerBlock returns the header of a raw message.
func headerBlock(raw []byte) string {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return string(raw[:i+2])
	}
	return string(raw)
}
