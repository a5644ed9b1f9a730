package gmail

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	gmailapi "google.golang.org/api/gmail/v1"
	"google.golang.org/api/option"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// ProviderName is what Connector.Provider returns.
const ProviderName = "gmail"

// me is the userId of every call: the mailbox the token belongs to.
const me = "me"

// Connector is a Gmail mailbox: it implements connector.Connector,
// connector.Watcher, connector.SentFinder and
// connector.AttachmentFetcher. It holds no connections of its own (the
// HTTP client pools them) and is safe for concurrent use.
type Connector struct {
	cfg Config
	log *slog.Logger
	svc *gmailapi.Service
}

var (
	_ connector.Connector         = (*Connector)(nil)
	_ connector.Watcher           = (*Connector)(nil)
	_ connector.SentFinder        = (*Connector)(nil)
	_ connector.AttachmentFetcher = (*Connector)(nil)
)

// New returns a Connector for cfg. It validates cfg, returning a
// *ConfigError that names each bad field, and does no network I/O: Test
// checks the token and the mailbox.
func New(cfg Config) (*Connector, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	return build(cfg)
}

// build returns a Connector for cfg, resolved.
func build(cfg Config) (*Connector, error) {
	base := http.DefaultTransport
	var timeout time.Duration
	if cfg.HTTPClient != nil {
		timeout = cfg.HTTPClient.Timeout
		if cfg.HTTPClient.Transport != nil {
			base = cfg.HTTPClient.Transport
		}
	}
	hc := &http.Client{Transport: &authTransport{base: base, src: cfg.TokenSource}, Timeout: timeout}
	svc, err := gmailapi.NewService(context.Background(), option.WithEndpoint(cfg.Endpoint), option.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("gmail: building the API client: %w", err)
	}
	return &Connector{
		cfg: cfg,
		log: cfg.Logger.With("provider", ProviderName, "gmail_user", cfg.Email),
		svc: svc,
	}, nil
}

// Provider returns "gmail".
func (c *Connector) Provider() string { return ProviderName }

// Profile is a mailbox's users.getProfile.
type Profile struct {
	// Email is the mailbox's address.
	Email string
	// HistoryID is the mailbox's current historyId.
	HistoryID     uint64
	MessagesTotal int64
	ThreadsTotal  int64
}

// Profile reads the mailbox's profile (users.getProfile, 1 quota
// unit): the address the token belongs to, e.g. to name a new
// integration after an OAuth consent.
func (c *Connector) Profile(ctx context.Context) (*Profile, error) {
	var p *gmailapi.Profile
	err := c.call(ctx, "users.getProfile", retryAll, func(ctx context.Context) error {
		var err error
		p, err = c.svc.Users.GetProfile(me).Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Profile{Email: p.EmailAddress, HistoryID: p.HistoryId, MessagesTotal: p.MessagesTotal, ThreadsTotal: p.ThreadsTotal}, nil
}

// Test reads the profile, changing nothing. A rejected or revoked token
// gives an ErrAuth error, and so does a token of another mailbox than
// Config.Email.
func (c *Connector) Test(ctx context.Context) error {
	p, err := c.Profile(ctx)
	if err != nil {
		return err
	}
	if !strings.EqualFold(p.Email, c.cfg.Email) {
		return connector.AuthError("gmail: test", fmt.Errorf("the token is for %s, not %s", p.Email, c.cfg.Email))
	}
	return nil
}

func (c *Connector) parseOptions() mime.ParseOptions {
	return mime.ParseOptions{MaxAttachmentContent: c.cfg.MaxAttachmentContent}
}
