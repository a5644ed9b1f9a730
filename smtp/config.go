package smtp

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Security says how the connection to the server is protected.
type Security string

// The values of Config.Security.
const (
	// SecurityStartTLS connects in plaintext and upgrades with STARTTLS
	// before anything else is sent (RFC 3207), usually on port 587. A
	// server that does not offer STARTTLS, or whose certificate does not
	// verify, is refused: nothing is sent without TLS. The default.
	SecurityStartTLS Security = "starttls"
	// SecurityTLS speaks TLS from the first byte ("implicit TLS", RFC
	// 8314), usually on port 465.
	SecurityTLS Security = "tls"
	// SecurityNone sends everything in plaintext, credentials included.
	// Only for a relay on a trusted network or a local test sink; it must
	// be chosen explicitly.
	SecurityNone Security = "none"
)

// AuthMethod names the SMTP AUTH mechanism to use.
type AuthMethod string

// The values of Config.Auth.
const (
	// AuthAuto picks from the credentials: XOAUTH2 with a TokenSource;
	// with a Password PLAIN if the server offers it, else LOGIN, else the
	// strongest other mechanism go-mail knows that the server offers; no
	// AUTH without credentials. The default.
	AuthAuto AuthMethod = "auto"
	// AuthPlain is AUTH PLAIN (RFC 4616) with Username and Password.
	AuthPlain AuthMethod = "plain"
	// AuthLogin is AUTH LOGIN with Username and Password.
	AuthLogin AuthMethod = "login"
	// AuthXOAUTH2 is AUTH XOAUTH2 (Google, Microsoft) with Username (the
	// mailbox address) and an access token from TokenSource.
	AuthXOAUTH2 AuthMethod = "xoauth2"
	// AuthNone sends no AUTH command.
	AuthNone AuthMethod = "none"
)

// The defaults of Config.
const (
	// DefaultTimeout bounds connecting (TCP and TLS) and every single
	// network read or write after that.
	DefaultTimeout = 30 * time.Second
	// DefaultPortStartTLS is the port for SecurityStartTLS when
	// Config.Port is zero: message submission (RFC 6409).
	DefaultPortStartTLS = 587
	// DefaultPortTLS is the port for SecurityTLS when Config.Port is zero:
	// submission over implicit TLS (RFC 8314).
	DefaultPortTLS = 465
	// DefaultPortNone is the port for SecurityNone when Config.Port is
	// zero: plain SMTP (RFC 5321).
	DefaultPortNone = 25
)

// Config configures a Sender. The zero value of every field but Host
// means the documented default; New validates it and names the field at
// fault.
//
// Config holds secrets: its String, GoString, Format and LogValue methods
// redact Password and never call TokenSource.
type Config struct {
	// Host is the server's host name or IP address. Required. It is also
	// the name the server's certificate is verified against unless
	// TLSConfig.ServerName says otherwise.
	Host string
	// Port is the server's TCP port; zero means 587 for SecurityStartTLS,
	// 465 for SecurityTLS and 25 for SecurityNone.
	Port int
	// Security is how the connection is protected; empty means
	// SecurityStartTLS.
	Security Security

	// Username is the login name; for XOAUTH2, the mailbox address.
	Username string
	// Password is the password for PLAIN and LOGIN. Set Password or
	// TokenSource, not both.
	Password string
	// TokenSource gives the OAuth 2.0 access token for XOAUTH2. It is
	// asked for a token before every connection, so a source that
	// refreshes (oauth2.ReuseTokenSource, oauth2.Config.TokenSource) keeps
	// long-lived senders working. Token is called without a context: give
	// the source its own (an HTTP client with a timeout).
	TokenSource oauth2.TokenSource
	// Auth is the AUTH mechanism; empty means AuthAuto.
	Auth AuthMethod

	// DialContext opens the TCP connection to the server; nil means a
	// net.Dialer. A multi-tenant service sets one whose Control refuses
	// internal addresses, checked on the address actually dialled, after
	// name resolution (see net.Dialer.ControlContext).
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)
	// Timeout bounds connecting (TCP and TLS) and each network read or
	// write after that, so a large message on a slow link does not time
	// out as long as it makes progress. Zero means DefaultTimeout. The
	// context given to each call bounds the whole call.
	Timeout time.Duration
	// TLSConfig is the TLS configuration for STARTTLS and implicit TLS;
	// nil means the system roots. It is cloned; an empty ServerName is set
	// to Host and a zero MinVersion to TLS 1.2. Tests set RootCAs.
	TLSConfig *tls.Config
	// HELO is the name sent in EHLO/HELO; empty means the machine's host
	// name.
	HELO string
	// DSN asks for delivery status notifications on failure and delay
	// (RET=HDRS, NOTIFY=FAILURE,DELAY) when the server advertises the DSN
	// extension; without it the request is left out.
	DSN bool

	// Logger receives the sender's logs (connections, sends, warnings);
	// nil means slog.Default(). It never receives a secret or a message
	// body.
	Logger *slog.Logger
}

// problem is one thing wrong with a Config: the Go field, what is wrong
// with it, and the same for the JSON settings (see ConfigFromSettings).
type problem struct {
	field, msg          string
	setting, settingMsg string
}

// withDefaults returns c with its zero values replaced by the defaults.
// It does not validate.
func (c Config) withDefaults() Config {
	if c.Security == "" {
		c.Security = SecurityStartTLS
	}
	if c.Auth == "" {
		c.Auth = AuthAuto
	}
	if c.Port == 0 {
		switch c.Security {
		case SecurityTLS:
			c.Port = DefaultPortTLS
		case SecurityNone:
			c.Port = DefaultPortNone
		default:
			c.Port = DefaultPortStartTLS
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// problems lists what is wrong with c (after withDefaults).
func (c Config) problems() []problem {
	var p []problem
	// add records a problem of a field that is also a setting.
	add := func(field, setting, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		p = append(p, problem{field, msg, setting, msg})
	}
	// cred records a problem of the credentials, worded twice.
	cred := func(field, msg, settingMsg string) {
		p = append(p, problem{field, msg, "credentials", settingMsg})
	}
	switch {
	case c.Host == "":
		add("Host", "host", "is required")
	case strings.ContainsAny(c.Host, " \t\r\n/"):
		add("Host", "host", "must be a host name or IP address, got %q", c.Host)
	}
	if c.Port < 1 || c.Port > 65535 {
		add("Port", "port", "must be between 1 and 65535, got %d", c.Port)
	}
	switch c.Security {
	case SecurityStartTLS, SecurityTLS, SecurityNone:
	default:
		add("Security", "security", "must be %q, %q or %q, got %q", SecurityStartTLS, SecurityTLS, SecurityNone, c.Security)
	}
	if c.Timeout < 0 {
		add("Timeout", "timeout", "must not be negative, got %s", c.Timeout)
	}
	if strings.ContainsAny(c.HELO, " \t\r\n") {
		add("HELO", "helo", "must be one word, got %q", c.HELO)
	}
	if strings.ContainsAny(c.Username, "\r\n") {
		add("Username", "username", "must not contain line breaks")
	}
	if c.Password != "" && c.TokenSource != nil {
		cred("Password", "and Config.TokenSource are both set; set one", "must be a password or an OAuth 2.0 token, not both")
	}
	needUser := func(why string) {
		if c.Username == "" {
			add("Username", "username", "is required %s", why)
		}
	}
	switch c.Auth {
	case AuthAuto:
		if c.Password != "" || c.TokenSource != nil {
			needUser("with credentials")
		} else if c.Username != "" {
			cred("Password", "or Config.TokenSource is required with a Username", "a password or an OAuth 2.0 token is required with a username")
		}
	case AuthPlain, AuthLogin:
		needUser(fmt.Sprintf("for auth %q", c.Auth))
		if c.TokenSource != nil {
			cred("TokenSource", fmt.Sprintf("is set but auth %q needs a Password", c.Auth), fmt.Sprintf("are an OAuth 2.0 token but auth %q needs a password", c.Auth))
		} else if c.Password == "" {
			cred("Password", fmt.Sprintf("is required for auth %q", c.Auth), fmt.Sprintf("must hold a password for auth %q", c.Auth))
		}
	case AuthXOAUTH2:
		needUser(fmt.Sprintf("for auth %q (the mailbox address)", c.Auth))
		if c.Password != "" {
			cred("Password", fmt.Sprintf("is set but auth %q needs a TokenSource", c.Auth), fmt.Sprintf("are a password but auth %q needs an OAuth 2.0 token", c.Auth))
		} else if c.TokenSource == nil {
			cred("TokenSource", fmt.Sprintf("is required for auth %q", c.Auth), fmt.Sprintf("must hold an OAuth 2.0 token for auth %q", c.Auth))
		}
	case AuthNone:
		if c.Password != "" || c.TokenSource != nil {
			add("Auth", "auth", "is %q but credentials are set; remove them or choose a mechanism", c.Auth)
		}
	default:
		add("Auth", "auth", "must be %q, %q, %q, %q or %q, got %q", AuthAuto, AuthPlain, AuthLogin, AuthXOAUTH2, AuthNone, c.Auth)
	}
	return p
}

// mechanism resolves AuthAuto from the credentials: AuthXOAUTH2 with a
// TokenSource, AuthAuto (meaning "a password mechanism the server
// offers") with a Password, else AuthNone.
func (c Config) mechanism() AuthMethod {
	if c.Auth != AuthAuto {
		return c.Auth
	}
	switch {
	case c.TokenSource != nil:
		return AuthXOAUTH2
	case c.Password != "":
		return AuthAuto
	default:
		return AuthNone
	}
}

// addr is host:port.
func (c Config) addr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// String describes c without its secrets, e.g.
// "smtp.Config{host=mail.example.com port=587 security=starttls auth=auto
// username=jane password=[redacted]}".
func (c Config) String() string {
	var b strings.Builder
	b.WriteString("smtp.Config{host=" + c.Host)
	if c.Port != 0 {
		b.WriteString(" port=" + strconv.Itoa(c.Port))
	}
	if c.Security != "" {
		b.WriteString(" security=" + string(c.Security))
	}
	if c.Auth != "" {
		b.WriteString(" auth=" + string(c.Auth))
	}
	if c.Username != "" {
		b.WriteString(" username=" + c.Username)
	}
	if c.Password != "" {
		b.WriteString(" password=[redacted]")
	}
	if c.TokenSource != nil {
		b.WriteString(" token_source=[redacted]")
	}
	b.WriteString("}")
	return b.String()
}

// GoString is String, so that %#v redacts too.
func (c Config) GoString() string { return c.String() }

// Format makes every fmt verb print String, so that no verb reveals a
// secret.
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue logs c as a group without its secrets.
func (c Config) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("security", string(c.Security)),
		slog.String("auth", string(c.Auth)),
	}
	if c.Username != "" {
		attrs = append(attrs, slog.String("username", c.Username))
	}
	return slog.GroupValue(attrs...)
}
