package smtp

import (
	"context"
	"net"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

// FactoryOptions configures SenderFactory.
type FactoryOptions struct {
	// Base holds the settings that are not per integration: Timeout,
	// DialContext, TLSConfig, HELO (used when the settings name none) and Logger
	// (nil: the integration's logger). Its server and credential fields
	// are ignored.
	Base Config
	// OAuth2 refreshes OAuth 2.0 credentials when the connector.Config
	// carries no TokenSource of its own (see connector.OAuth2TokenSource).
	// Nil uses the stored access token as it is until it expires.
	OAuth2 *oauth2.Config
	// DialMailbox, when set, gives each integration's connections their
	// DialContext, chosen by the mailbox they log in to: its key is
	// MailboxKey(login name, host). A dialer that caps connections per
	// mailbox across processes uses it (netguard.Dialer.Mailbox). It
	// takes precedence over Base.DialContext.
	DialMailbox func(mailbox string) func(ctx context.Context, network, address string) (net.Conn, error)
}

// MailboxKey names the mailbox a login name uses at a server host, for
// FactoryOptions.DialMailbox: "login@host", lower-cased (the host never
// holds an '@', so the last one splits them).
func MailboxKey(login, host string) string {
	return strings.ToLower(login) + "@" + strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
}

// SenderFactory returns a function that builds a *Sender from an
// integration's connector.Config: Settings is a JSON Settings object
// (see ConfigFromSettings), Credentials a password or an OAuth 2.0
// token, and TokenSource, when set, the shared source of access tokens
// (a composing connector such as imap's hands over its own, so that one
// refresh serves both). Its signature is that of imap.FactoryOptions'
// Sender, so an IMAP-in, SMTP-out integration is
//
//	imap.Factory(imap.FactoryOptions{Sender: smtp.SenderFactory(smtp.FactoryOptions{})})
//
// without either package importing the other. Bad settings give a
// *connector.ValidationError naming JSON fields. It does no network I/O.
func SenderFactory(opts FactoryOptions) func(ctx context.Context, cc connector.Config) (connector.Sender, error) {
	return func(ctx context.Context, cc connector.Config) (connector.Sender, error) {
		cfg, err := ConfigFromSettings(cc.Settings, cc.Credentials)
		if err != nil {
			return nil, err
		}
		if cfg.TokenSource != nil {
			cfg.TokenSource = connector.OAuth2TokenSource(ctx, opts.OAuth2, cc)
		}
		cfg.Timeout = opts.Base.Timeout
		cfg.DialContext = opts.Base.DialContext
		if opts.DialMailbox != nil {
			cfg.DialContext = opts.DialMailbox(MailboxKey(cfg.Username, cfg.Host))
		}
		cfg.TLSConfig = opts.Base.TLSConfig
		if cfg.HELO == "" {
			cfg.HELO = opts.Base.HELO
		}
		cfg.Logger = opts.Base.Logger
		if cfg.Logger == nil {
			cfg.Logger = cc.Logger
		}
		if cfg.Logger != nil && cc.IntegrationID != "" {
			cfg.Logger = cfg.Logger.With("integration_id", cc.IntegrationID)
		}
		return New(cfg)
	}
}
