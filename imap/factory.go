package imap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/settings"
)

// Settings are the JSON settings a Factory reads from
// connector.Config.Settings:
//
//	{"email": "support@example.com",
//	 "imap": {"host": "imap.example.com", "port": 993, "security": "tls", "username": "support"},
//	 "folders": ["INBOX"], "sent_folder": "Sent", "sent_copy": true,
//	 "smtp": {"host": "smtp.example.com", "port": 587}}
//
// Only email and imap.host are required: imap.username defaults to the
// credentials' Username, then to email; the rest to Config's defaults
// (sent_copy to true).
//
// The smtp object belongs to the sender: package imap does not read it
// but hands it, as connector.Config.Settings, to FactoryOptions.Sender,
// which an SMTP sender's factory (smtp.SenderFactory) fills. A
// ValidationError from it names its fields under "smtp.".
type Settings struct {
	Email      string          `json:"email"`
	IMAP       ServerSettings  `json:"imap"`
	Folders    []string        `json:"folders,omitempty"`
	SentFolder string          `json:"sent_folder,omitempty"`
	SentCopy   *bool           `json:"sent_copy,omitempty"`
	SMTP       json.RawMessage `json:"smtp,omitempty"`
}

// ServerSettings are the server part of Settings.
type ServerSettings struct {
	Host     string   `json:"host"`
	Port     int      `json:"port,omitempty"`
	Security Security `json:"security,omitempty"`
	Username string   `json:"username,omitempty"`
}

// FactoryOptions configures Factory.
type FactoryOptions struct {
	// Base holds the settings that are not per integration (timeouts,
	// BatchSize, MaxConnections, TLSConfig, ...). Its server, credential,
	// folder, Sender and Logger fields are ignored.
	Base Config
	// OAuth2 refreshes OAuth 2.0 credentials (Google's or Microsoft's
	// client); each new token is handed to connector.Config.SaveCredentials
	// before it is used. Nil uses the stored access token as is until it
	// expires, after which authentication fails with ErrAuth.
	OAuth2 *oauth2.Config
	// Sender, when set, builds the connector.Sender that Send delegates
	// to (an SMTP sender for the same integration, e.g.
	// smtp.SenderFactory). It gets the integration's connector.Config
	// with Settings set to the "smtp" settings object and, for OAuth 2.0
	// credentials, TokenSource set to the source the IMAP side uses, so
	// that both share one refresh. Without an "smtp" settings object the
	// integration is receive-only and Send returns an ErrUnsupported
	// error; with one and a nil Sender, the settings are refused.
	Sender func(ctx context.Context, cfg connector.Config) (connector.Sender, error)
	// DialMailbox, when set, gives each integration's connections their
	// DialContext, chosen by the mailbox they log in to: its key is
	// MailboxKey(login name, imap.host). A dialer that caps connections
	// per mailbox across processes uses it (netguard.Dialer.Mailbox),
	// since providers cap simultaneous connections per account. It takes
	// precedence over Base.DialContext.
	DialMailbox func(mailbox string) func(ctx context.Context, network, address string) (net.Conn, error)
}

// MailboxKey names the mailbox a login name opens at a server host, for
// FactoryOptions.DialMailbox: "login@host", lower-cased (the host never
// holds an '@', so the last one splits them).
func MailboxKey(login, host string) string {
	return strings.ToLower(login) + "@" + strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
}

// Factory returns a connector.Factory that builds Connectors from JSON
// Settings and the integration's credentials: a password, or an OAuth 2.0
// token for XOAUTH2. Bad settings give an error that errors.As finds as
// a *connector.ValidationError naming JSON fields ("imap.host",
// "folders[1]"). It does no network I/O.
func Factory(opts FactoryOptions) connector.Factory {
	return func(ctx context.Context, cc connector.Config) (connector.Connector, error) {
		var s Settings
		if err := settings.Required(configContext, cc.Settings, &s); err != nil {
			return nil, err
		}
		cfg := opts.Base
		cfg.Host, cfg.Port, cfg.Security = s.IMAP.Host, s.IMAP.Port, s.IMAP.Security
		cfg.Username = firstNonEmpty(s.IMAP.Username, cc.Credentials.Username, s.Email)
		cfg.Password, cfg.TokenSource = "", nil
		if opts.DialMailbox != nil {
			cfg.DialContext = opts.DialMailbox(MailboxKey(cfg.Username, cfg.Host))
		}
		cfg.Folders = s.Folders
		cfg.SentFolder = s.SentFolder
		cfg.DisableSentCopy = s.SentCopy != nil && !*s.SentCopy
		cfg.Logger = settings.Logger(cc)
		var fields []connector.FieldError
		if s.Email == "" {
			fields = append(fields, connector.FieldError{Field: "email", Message: "is required"})
		}
		switch cc.Credentials.Kind() {
		case connector.CredentialsPassword:
			cfg.Password = cc.Credentials.Password
		case connector.CredentialsOAuth2:
			cfg.TokenSource = connector.OAuth2TokenSource(ctx, opts.OAuth2, cc)
		default:
			fields = append(fields, connector.FieldError{Field: "credentials", Message: "must hold a password or an OAuth 2.0 token"})
		}
		switch {
		case opts.Sender != nil && len(s.SMTP) > 0:
			scc := cc
			scc.Settings = s.SMTP
			scc.TokenSource = cfg.TokenSource
			if scc.Credentials.Username == "" {
				scc.Credentials.Username = cfg.Username // one login for both, unless the smtp settings name another
			}
			snd, err := opts.Sender(ctx, scc)
			var ve *connector.ValidationError
			switch {
			case errors.As(err, &ve):
				for _, f := range ve.Fields {
					switch f.Field {
					case "credentials":
						if slices.ContainsFunc(fields, func(g connector.FieldError) bool { return g.Field == "credentials" }) {
							continue
						}
					case "settings":
						f.Field = "smtp"
					default:
						f.Field = "smtp." + f.Field
					}
					fields = append(fields, f)
				}
			case err != nil:
				return nil, fmt.Errorf("imap: building the sender: %w", err)
			default:
				cfg.Sender = snd
			}
		case len(s.SMTP) > 0:
			fields = append(fields, connector.FieldError{Field: "smtp", Message: "is set, but this service has no SMTP sender to hand it to"})
		}
		c, err := New(cfg)
		var ce *ConfigError
		if errors.As(err, &ce) {
			paths := settingsPaths()
			for _, f := range ce.Fields {
				if f.Field == "Password" && cc.Credentials.Kind() == connector.CredentialsNone {
					continue // reported as "credentials"
				}
				f.Field = paths.Path(f.Field)
				fields = append(fields, f)
			}
		} else if err != nil {
			return nil, err
		}
		if len(fields) > 0 {
			return nil, &ConfigError{Context: configContext, Fields: fields}
		}
		c.paths = settingsPaths()
		return c, nil
	}
}

// settingsPaths maps Config field names to their JSON settings paths.
func settingsPaths() settings.Paths {
	return settings.Paths{
		"Host": "imap.host", "Port": "imap.port", "Security": "imap.security", "Username": "imap.username",
		"Password": "credentials", "SentFolder": "sent_folder", "Folders": "folders",
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
