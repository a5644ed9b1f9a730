package imap

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
	"github.com/ucsp/integration/internal/settings"
)

// ProviderName is what Connector.Provider returns.
const ProviderName = "imap"

// Connector is an IMAP mailbox: it implements connector.Connector,
// connector.Listener, connector.SentFinder, connector.AttachmentFetcher,
// connector.FolderLister and connector.Modifier. It is safe for concurrent use; Close it
// when done.
type Connector struct {
	cfg  Config
	log  *slog.Logger
	pool *pool

	sentMu     sync.Mutex
	sentFolder string // resolved SentFolder, "" until first needed

	listening atomic.Int32

	// paths names Config fields by their JSON settings paths in errors
	// (set by Factory); nil: Config names.
	paths settings.Paths
}

var (
	_ connector.Connector         = (*Connector)(nil)
	_ connector.Listener          = (*Connector)(nil)
	_ connector.SentFinder        = (*Connector)(nil)
	_ connector.AttachmentFetcher = (*Connector)(nil)
	_ connector.Modifier          = (*Connector)(nil)
)

// New returns a Connector for cfg. It validates cfg, returning a
// *ConfigError that names each bad field, and does no network I/O: Test
// checks the server and the credentials.
func New(cfg Config) (*Connector, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	c := &Connector{
		cfg: cfg,
		log: cfg.Logger.With("provider", ProviderName, "imap_host", cfg.Host, "imap_user", cfg.Username),
	}
	c.pool = newPool(&c.cfg)
	return c, nil
}

// Provider returns "imap".
func (c *Connector) Provider() string { return ProviderName }

// Close closes the connector's pooled connections (logging out) and makes
// every later call fail with ErrClosed; running Listen calls return.
// Connections in use by a running Sync are closed when it ends.
func (c *Connector) Close() error {
	c.pool.close()
	return nil
}

// Test connects with a new connection, authenticates and selects (read
// only) every configured folder, changing nothing. Rejected credentials
// give an ErrAuth error, an unreachable server an ErrTemporary one, a
// missing folder an ErrNotFound one, and a TLS failure an ErrPermanent
// one that says what to configure.
func (c *Connector) Test(ctx context.Context) error {
	cn, err := c.pool.fresh(ctx, "imap: test")
	if err != nil {
		return err
	}
	defer c.pool.put(cn)
	for _, f := range c.cfg.Folders {
		if _, err := cn.selectFolder(ctx, f, true); err != nil {
			return err
		}
	}
	return nil
}

// Stats describes a Connector's connections, for health checks and
// tests.
type Stats struct {
	// Connections is how many connections are open, Listen's included.
	Connections int
	// Listening is how many Listen calls are connected and waiting for
	// news (in IDLE, or polling on servers without it).
	Listening int
}

// Stats returns the connector's current Stats.
func (c *Connector) Stats() Stats {
	return Stats{Connections: int(c.pool.open.Load()), Listening: int(c.listening.Load())}
}

func (c *Connector) parseOptions() mime.ParseOptions {
	return mime.ParseOptions{MaxAttachmentContent: c.cfg.MaxAttachmentContent}
}
