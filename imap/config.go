package imap

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/settings"
)

// Security says how the connection to the server is protected.
type Security string

// The kinds of Security.
const (
	// SecurityTLS is implicit TLS from the first byte (port 993). The
	// default.
	SecurityTLS Security = "tls"
	// SecurityStartTLS connects in plaintext and upgrades with STARTTLS
	// before authenticating (port 143). A server that does not offer
	// STARTTLS is an error, never a silent downgrade.
	SecurityStartTLS Security = "starttls"
	// SecurityNone is a plaintext connection, credentials included. Only
	// for servers on a trusted network (a test server on loopback); it is
	// never chosen unless configured.
	SecurityNone Security = "none"
)

// The defaults of Config.
const (
	DefaultBatchSize           = 250
	DefaultMaxConnections      = 5
	DefaultDialTimeout         = 30 * time.Second
	DefaultCommandTimeout      = 2 * time.Minute
	DefaultIdleRefresh         = 25 * time.Minute
	DefaultPollInterval        = 2 * time.Minute
	DefaultReconnectBackoff    = time.Second
	DefaultReconnectBackoffMax = 2 * time.Minute
	DefaultMaxMessageBytes     = 50 << 20
	// MaxIdleRefresh is the longest IdleRefresh: RFC 2177 has clients
	// re-issue IDLE at least every 29 minutes, as servers may log out an
	// idle client after 30.
	MaxIdleRefresh = 28 * time.Minute
)

// Config configures a Connector. The zero value of each optional field
// means its documented default. New validates it.
type Config struct {
	// Host is the server's host name or IP address, without a port.
	// Required.
	Host string
	// Port is the server's port; 0 means 993 for SecurityTLS and 143
	// otherwise.
	Port int
	// Security is how the connection is protected; "" means SecurityTLS.
	Security Security
	// TLSConfig is used for SecurityTLS and SecurityStartTLS; nil means
	// the system roots, with ServerName set to Host.
	TLSConfig *tls.Config

	// Username is the login name (often the email address). Required.
	Username string
	// Password authenticates with AUTHENTICATE PLAIN when the server
	// offers it, otherwise with LOGIN. Exactly one of Password and
	// TokenSource must be set.
	Password string
	// TokenSource gives OAuth 2.0 access tokens for XOAUTH2 (Gmail:
	// scope https://mail.google.com/; Microsoft:
	// https://outlook.office.com/IMAP.AccessAsUser.All). A token is taken
	// from it for every new connection, so it should be an
	// oauth2.ReuseTokenSource that refreshes when needed.
	TokenSource oauth2.TokenSource

	// Folders are the mailboxes to sync, in order; nil means ["INBOX"].
	// Listen IDLEs on the first and checks the others every PollInterval.
	Folders []string

	// Sender sends the messages given to Connector.Send (an SMTP sender,
	// for an "IMAP in, SMTP out" integration). Nil makes Send return an
	// ErrUnsupported error.
	Sender connector.Sender
	// SentFolder is where a copy of each message sent through Sender is
	// appended and where FindSent looks. "" means the mailbox the server
	// marks \Sent (RFC 6154), or "Sent" when it marks none.
	SentFolder string
	// DisableSentCopy stops Send from appending a copy of each sent
	// message to SentFolder, for servers that file sent mail themselves
	// (Gmail, Outlook.com).
	DisableSentCopy bool

	// BatchSize is the most messages in one sync batch; 0 means
	// DefaultBatchSize.
	BatchSize int
	// ParseWorkers is how many goroutines parse fetched messages during a
	// sync; 0 means GOMAXPROCS.
	ParseWorkers int
	// MaxMessageBytes is the largest message a sync reads whole; 0 means
	// DefaultMaxMessageBytes (50 MiB). A larger message is synced as a
	// stub: its header (envelope, Message-ID, the headers the parser
	// keeps), its size, no body or attachments, and a Problems entry
	// saying so; the rest of it is read from the server and dropped. It
	// also bounds every other literal the connector reads (a header, an
	// attachment: FetchAttachment fails with ErrTooLarge). Memory is
	// spent on bytes received, never on the size a server announces.
	MaxMessageBytes int64
	// MaxAttachmentContent is passed to the MIME parser
	// (mime.ParseOptions.MaxAttachmentContent): the largest attachment
	// whose content a synced Message carries. 0 means the parser's default
	// (1 MiB); larger ones are read with FetchAttachment.
	MaxAttachmentContent int64

	// MaxConnections is the most connections the Connector holds to the
	// account at once, Listen's included; 0 means DefaultMaxConnections.
	// Servers limit connections per account (Gmail: 15), so use one
	// Connector per account.
	MaxConnections int
	// DialTimeout bounds connecting: TCP, TLS, the greeting and
	// authentication. 0 means DefaultDialTimeout.
	DialTimeout time.Duration
	// DialContext opens the TCP connection to the server; nil means a
	// net.Dialer with 30 s keep-alives. A multi-tenant service sets one
	// whose Control refuses internal addresses, checked on the address
	// actually dialled, after name resolution (see net.Dialer.ControlContext).
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)
	// CommandTimeout bounds how long a command may go without an answer
	// from the server (for a long FETCH, without progress) before the
	// connection is given up. 0 means DefaultCommandTimeout.
	CommandTimeout time.Duration

	// IdleRefresh is how often Listen ends and re-issues IDLE, checking
	// that the connection is alive; 0 means DefaultIdleRefresh. At most
	// MaxIdleRefresh.
	IdleRefresh time.Duration
	// PollInterval is how often Listen checks the folders it does not
	// IDLE on, and every folder when the server lacks IDLE; 0 means
	// DefaultPollInterval.
	PollInterval time.Duration
	// ReconnectBackoff and ReconnectBackoffMax bound Listen's exponential
	// backoff, with jitter, between reconnection attempts: the first wait
	// is between half and all of ReconnectBackoff, each next one's bound
	// doubles up to ReconnectBackoffMax. 0 means DefaultReconnectBackoff
	// and DefaultReconnectBackoffMax.
	ReconnectBackoff    time.Duration
	ReconnectBackoffMax time.Duration

	// Logger receives the connector's logs (never a credential or a
	// message body); nil means slog.Default().
	Logger *slog.Logger
}

// address returns host:port.
func (c *Config) address() string {
	host := c.Host
	if strings.Contains(host, ":") { // an IPv6 literal
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s:%d", host, c.Port)
}

// ConfigError lists what is wrong with a Config, field by field: a
// connector.ValidationError, so an ErrPermanent error, whose fields are
// named as in Config, or as in the JSON settings when Factory reports it.
type ConfigError = connector.ValidationError

// configContext begins a ConfigError's text.
const configContext = "imap: invalid config"

// resolve validates c and fills in the defaults. Field names in errors
// are the Config field names.
func (c Config) resolve() (Config, error) {
	e := ConfigError{Context: configContext}
	switch {
	case strings.TrimSpace(c.Host) == "":
		e.Addf("Host", "is required")
	case strings.ContainsAny(c.Host, " /\t\r\n") || strings.Count(c.Host, ":") == 1:
		e.Addf("Host", "must be a host name or IP address without scheme or port, got %q", c.Host)
	}
	switch c.Security {
	case "":
		c.Security = SecurityTLS
	case SecurityTLS, SecurityStartTLS, SecurityNone:
	default:
		e.Addf("Security", `must be "tls", "starttls" or "none", got %q`, c.Security)
	}
	switch {
	case c.Port < 0 || c.Port > 65535:
		e.Addf("Port", "must be between 1 and 65535, got %d", c.Port)
	case c.Port == 0 && c.Security == SecurityTLS:
		c.Port = 993
	case c.Port == 0:
		c.Port = 143
	}
	if c.Username == "" {
		e.Addf("Username", "is required")
	} else if strings.ContainsAny(c.Username, "\x00\x01\r\n") {
		e.Addf("Username", "must not contain control characters")
	}
	switch {
	case c.Password == "" && c.TokenSource == nil:
		e.Addf("Password", "or TokenSource is required")
	case c.Password != "" && c.TokenSource != nil:
		e.Addf("Password", "and TokenSource are mutually exclusive")
	case strings.ContainsAny(c.Password, "\x00\r\n"):
		e.Addf("Password", "must not contain NUL or line breaks")
	}
	if c.Folders == nil {
		c.Folders = []string{"INBOX"}
	}
	if len(c.Folders) == 0 {
		e.Addf("Folders", "must name at least one folder")
	}
	c.Folders = append([]string(nil), c.Folders...)
	seen := map[string]bool{}
	for i, f := range c.Folders {
		c.Folders[i] = normalizeFolder(f)
		switch {
		case f == "" || strings.ContainsAny(f, "\x00\r\n"):
			e.Addf(fmt.Sprintf("Folders[%d]", i), "must be a folder name, got %q", f)
		case seen[normalizeFolder(f)]:
			e.Addf(fmt.Sprintf("Folders[%d]", i), "%q is listed twice", f)
		}
		seen[normalizeFolder(f)] = true
	}
	if strings.ContainsAny(c.SentFolder, "\x00\r\n") {
		e.Addf("SentFolder", "must be a folder name")
	}
	settings.Default(&e, "BatchSize", &c.BatchSize, DefaultBatchSize)
	settings.Default(&e, "ParseWorkers", &c.ParseWorkers, runtime.GOMAXPROCS(0))
	settings.Default(&e, "MaxConnections", &c.MaxConnections, DefaultMaxConnections)
	settings.Default(&e, "DialTimeout", &c.DialTimeout, DefaultDialTimeout)
	settings.Default(&e, "CommandTimeout", &c.CommandTimeout, DefaultCommandTimeout)
	settings.Default(&e, "IdleRefresh", &c.IdleRefresh, DefaultIdleRefresh)
	settings.Default(&e, "PollInterval", &c.PollInterval, DefaultPollInterval)
	settings.Default(&e, "ReconnectBackoff", &c.ReconnectBackoff, DefaultReconnectBackoff)
	settings.Default(&e, "ReconnectBackoffMax", &c.ReconnectBackoffMax, DefaultReconnectBackoffMax)
	if c.IdleRefresh > MaxIdleRefresh {
		e.Addf("IdleRefresh", "must be at most %s (servers drop IDLE after 30 minutes), got %s", MaxIdleRefresh, c.IdleRefresh)
	}
	if c.ReconnectBackoffMax < c.ReconnectBackoff {
		e.Addf("ReconnectBackoffMax", "must not be less than ReconnectBackoff")
	}
	switch {
	case c.MaxMessageBytes < 0:
		e.Addf("MaxMessageBytes", "must not be negative, got %d", c.MaxMessageBytes)
	case c.MaxMessageBytes == 0:
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.MaxAttachmentContent < 0 {
		c.MaxAttachmentContent = -1
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if len(e.Fields) > 0 {
		return c, &e
	}
	return c, nil
}

// normalizeFolder makes INBOX case-insensitive, as IMAP does.
func normalizeFolder(f string) string {
	if strings.EqualFold(f, "INBOX") {
		return "INBOX"
	}
	return f
}
