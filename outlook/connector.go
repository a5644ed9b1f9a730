package outlook

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// ProviderName is what Connector.Provider returns.
const ProviderName = "outlook"

// Connector is an Outlook / Microsoft 365 mailbox through Microsoft
// Graph: it implements connector.Connector, connector.Watcher,
// connector.SentFinder and connector.AttachmentFetcher. It holds no
// connections of its own (the HTTP client pools them) and is safe for
// concurrent use.
type Connector struct {
	cfg     Config
	log     *slog.Logger
	adapter *core.GraphRequestAdapterBase
	known   *wellKnownIDs
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
	adapter, err := newAdapter(cfg)
	if err != nil {
		return nil, fmt.Errorf("outlook: building the Graph request adapter: %w", err)
	}
	return &Connector{cfg: cfg, log: cfg.Logger.With("provider", ProviderName, "mailbox", cfg.Email), adapter: adapter, known: &wellKnownIDs{}}, nil
}

// Provider returns "outlook".
func (c *Connector) Provider() string { return ProviderName }

// Profile is what GET /me says about the signed-in user.
type Profile struct {
	ID                string
	DisplayName       string
	Mail              string
	UserPrincipalName string
}

// Profile reads GET /me: the user the token belongs to, e.g. to name a
// new integration after an OAuth consent.
func (c *Connector) Profile(ctx context.Context) (*Profile, error) {
	return profile(ctx, c.adapter)
}

// profile reads GET /me through adapter.
func profile(ctx context.Context, adapter abs.RequestAdapter) (*Profile, error) {
	cfg := &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "displayName", "mail", "userPrincipalName"}},
	}
	u, err := meOn(adapter).Get(ctx, cfg)
	if err != nil {
		return nil, classify("outlook: get me", err)
	}
	return &Profile{ID: deref(u.GetId()), DisplayName: deref(u.GetDisplayName()), Mail: deref(u.GetMail()), UserPrincipalName: deref(u.GetUserPrincipalName())}, nil
}

// Test reads GET /me, changing nothing. A rejected or revoked token
// gives an ErrAuth error, and so does a token of another mailbox than
// Config.Email (matched against mail and userPrincipalName).
func (c *Connector) Test(ctx context.Context) error {
	p, err := c.Profile(ctx)
	if err != nil {
		return err
	}
	if !strings.EqualFold(p.Mail, c.cfg.Email) && !strings.EqualFold(p.UserPrincipalName, c.cfg.Email) {
		return connector.AuthError("outlook: test", fmt.Errorf("the token is for %s, not %s", p.Mail, c.cfg.Email))
	}
	return nil
}

func (c *Connector) parseOptions() mime.ParseOptions {
	return mime.ParseOptions{MaxAttachmentContent: c.cfg.MaxAttachmentContent}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
