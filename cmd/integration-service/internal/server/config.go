package server

import (
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/connector/sendrun"
	"github.com/ucsp/integration/connector/signin"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/imap"
	"github.com/ucsp/integration/outlook"
	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/store/secrets"
)

// The values of APP_ENV.
const (
	EnvDevelopment = "development"
	EnvStaging     = "staging"
	EnvProduction  = "production"
)

// Config is the server's configuration. LoadConfig reads it from the
// environment (12-factor); .env.example documents every variable.
type Config struct {
	// Env is APP_ENV: development (default), staging or production.
	Env string
	// Port is PORT (default 3003); 0 picks a free port.
	Port int

	// DatabaseURL is DATABASE_URL; empty means embedded mode.
	DatabaseURL string
	// DatabaseMaxConns is DATABASE_MAX_CONNS; 0 keeps pgx's default.
	DatabaseMaxConns int
	// DatabaseAutoMigrate is DATABASE_AUTO_MIGRATE (default true): serve
	// and worker apply pending migrations at start, under an advisory
	// lock. Off, run the migrate subcommand before a deploy.
	DatabaseAutoMigrate bool
	// RedisURL is REDIS_URL; empty means embedded mode.
	RedisURL string
	// RedisPrefix is REDIS_KEY_PREFIX (default "integration"): every
	// Redis key the server writes starts with it.
	RedisPrefix string

	// JWTSecret is JWT_SECRET, the HS256 key of API tokens: required in
	// production, generated (and so useless to clients) otherwise.
	JWTSecret []byte
	// JWTIssuer and JWTAudience, when set (JWT_ISSUER, JWT_AUDIENCE), are
	// required claims of every token.
	JWTIssuer, JWTAudience string
	// JWTMaxTTL (JWT_MAX_TTL, default 24h) is the longest lifetime a token
	// may have: exp at most this long after iat, and after now.
	JWTMaxTTL time.Duration
	// Keyring is ENCRYPTION_KEYS: required whenever DATABASE_URL is set,
	// generated in embedded mode.
	Keyring *secrets.Keyring

	// Generated lists the secrets the server made up because they were
	// not configured (embedded mode, development).
	Generated []string

	// Google and Microsoft are the OAuth clients of the gmail and outlook
	// providers (GOOGLE_CLIENT_ID/SECRET, MICROSOFT_CLIENT_ID/SECRET/TENANT).
	Google    OAuthClient
	Microsoft OAuthClient
	// AdminToken is ADMIN_TOKEN, the operators' credential for
	// /dashboard (at least 32 characters); "" turns the dashboard off.
	AdminToken string
	// AdminAddr is ADMIN_ADDR, e.g. 127.0.0.1:9090: a second listener,
	// for an internal network only, serving health details, queue
	// statistics and metrics without a credential, the dashboard
	// (instead of the public listener) and, with Pprof, the profiler.
	// "" means none: those routes then need ADMIN_TOKEN.
	AdminAddr string
	// Pprof is PPROF_ENABLED (default false): Go's profiler under
	// /debug/pprof/ on the admin listener, which it requires.
	Pprof bool
	// Dashboard is how operators sign in to /dashboard.
	Dashboard DashboardConfig
	// Gmail is how the server reaches Google for the gmail provider.
	Gmail GmailConfig
	// Graph is how the server reaches Microsoft for the outlook
	// provider.
	Graph GraphConfig
	// PublicBaseURL is PUBLIC_BASE_URL, the server's address as the world
	// sees it (OAuth redirects, webhook URLs); default http://localhost:PORT.
	PublicBaseURL *url.URL
	// OAuthReturnURLs is OAUTH_RETURN_URLS, where a finished sign-in may
	// send the browser back (see signin.AllowList); empty: nowhere.
	OAuthReturnURLs signin.AllowList

	// LogLevel and LogFormat are LOG_LEVEL (default info) and LOG_FORMAT
	// (json in staging and production, text in development).
	LogLevel  slog.Level
	LogFormat string
	// LogFlushInterval is LOG_FLUSH_INTERVAL (default 100ms): how long
	// log lines may wait in a buffer to be written together; 0 writes
	// each line at once. Warnings and errors are written at once.
	LogFlushInterval time.Duration

	// QueueConcurrency is QUEUE_CONCURRENCY: how many jobs a worker runs
	// at once (default 10).
	QueueConcurrency int
	// QueueLease (QUEUE_LEASE, default 15s) is how long a job stays with
	// a worker process that stopped renewing it (it died) before another
	// runs it; running jobs' leases are renewed every third of it.
	QueueLease time.Duration
	// RateLimitTiers is RATE_LIMIT_TIERS (default ratelimit.DefaultTiers),
	// RateLimitDefaultTier RATE_LIMIT_DEFAULT_TIER (default "free"): the
	// tier of tokens without a known "tier" claim.
	RateLimitTiers       ratelimit.Tiers
	RateLimitDefaultTier string
	// TrustedProxies is TRUSTED_PROXIES, CIDRs whose X-Forwarded-For is
	// believed.
	TrustedProxies []netip.Prefix

	// EventsWebhookURL and EventsWebhookSecret (EVENTS_WEBHOOK_URL,
	// EVENTS_WEBHOOK_SECRET, a whsec_ secret) are where and how events are
	// delivered; both or neither.
	EventsWebhookURL    string
	EventsWebhookSecret string

	// AllowPrivateHosts (MAIL_ALLOW_PRIVATE_HOSTS) lets integrations name
	// mail servers on loopback, private and link-local addresses;
	// AllowPlaintext (MAIL_ALLOW_PLAINTEXT) lets them use security "none".
	// Both default to false: a tenant must not reach internal services.
	AllowPrivateHosts bool
	AllowPlaintext    bool
	// IMAPMaxMessageBytes (IMAP_MAX_MESSAGE_BYTES, default 50 MiB) is
	// the largest message an IMAP sync reads whole
	// (imap.Config.MaxMessageBytes); a larger one is stored as a stub
	// with a problem.
	IMAPMaxMessageBytes int64

	// MaxBodyBytes (MAX_BODY_BYTES, default 1 MiB) bounds request bodies;
	// MaxSendBodyBytes (MAX_SEND_BODY_BYTES, default 50 MiB) those of
	// sends, whose attachments come base64-encoded.
	MaxBodyBytes     int64
	MaxSendBodyBytes int64
	// LoopGuardWindow (LOOP_GUARD_WINDOW, default 24h) is how long after
	// an automated send to a recipient another one from the same
	// integration is refused (sendrun.LoopGuard, RFC 3834 §2).
	LoopGuardWindow time.Duration
	// Ingress bounds slow clients and the unauthenticated routes (see
	// IngressConfig).
	Ingress IngressConfig

	// ShutdownTimeout (SHUTDOWN_TIMEOUT, default 25s) bounds the drain of
	// requests and jobs after SIGTERM.
	ShutdownTimeout time.Duration
	// EventSweepInterval (EVENTS_SWEEP_INTERVAL, default 30s) is how often
	// a worker re-enqueues pending events whose delivery job was lost.
	EventSweepInterval time.Duration
	// SyncSweepInterval (SYNC_SWEEP_INTERVAL, default 5m) is how often a
	// worker enqueues a sync of every active mailbox integration, so that
	// each is synced that often even when no push or IDLE news arrives.
	SyncSweepInterval time.Duration
	// HealthCheckInterval (HEALTH_CHECK_INTERVAL, default 5m) is how often
	// a worker tests every mailbox integration's connection and records
	// its health.
	HealthCheckInterval time.Duration
	// WatchRenewInterval (WATCH_RENEW_INTERVAL, default 1h) is how often
	// push registrations (Gmail watches) due for renewal are renewed.
	WatchRenewInterval time.Duration
	// TokenRefreshInterval (TOKEN_REFRESH_INTERVAL, default 5m) is how
	// often OAuth tokens about to expire are refreshed ahead of use.
	TokenRefreshInterval time.Duration
	// WatchLeaseTTL (WATCH_LEASE_TTL, default 15s) is the lease by which
	// one worker process holds an IMAP integration's IDLE watcher: when
	// a worker dies, its watchers move to the others within about this
	// time. IMAPWatch (IMAP_WATCH, default true) turns the watchers on.
	WatchLeaseTTL time.Duration
	IMAPWatch     bool
	// ConnectorTestTimeout (CONNECTOR_TEST_TIMEOUT, default 30s) bounds
	// POST /api/v1/integrations/{id}/test.
	ConnectorTestTimeout time.Duration
	// Quotas bound each tenant's integrations and sends, and the
	// connections to mail servers (see config_quotas.go).
	Quotas Quotas
	// OTLPEndpoint is OTEL_EXPORTER_OTLP_ENDPOINT, an OTLP/HTTP
	// collector's base URL: when set, every request is traced (otelhttp)
	// and its spans are exported to OTLPEndpoint/v1/traces.
	OTLPEndpoint string
}

// GmailConfig is where the gmail provider's calls and pushes go. The
// URLs default to Google's; tests point them at gmail/gmailtest.
type GmailConfig struct {
	// AuthURL and TokenURL are Google's OAuth 2.0 endpoints
	// (GOOGLE_AUTH_URL, GOOGLE_TOKEN_URL).
	AuthURL, TokenURL string
	// APIURL is the Gmail API's base URL (GMAIL_API_URL).
	APIURL string
	// RevokeURL is Google's token revocation endpoint
	// (GOOGLE_REVOKE_URL).
	RevokeURL string
	// Issuer and JWKSURL are whom sign-ins' id_tokens must come from
	// and where the keys that sign them are (GOOGLE_ISSUER,
	// GOOGLE_JWKS_URL).
	Issuer, JWKSURL string
	// Topic is the Pub/Sub topic users.watch publishes to
	// (GMAIL_PUBSUB_TOPIC, "projects/P/topics/T"); "" makes no watch:
	// mail then arrives through the catch-up sweep only.
	Topic string
	// PushAudience and PushServiceAccount are what POST /webhooks/gmail
	// requires of a push's OIDC token (GMAIL_PUSH_AUDIENCE, default the
	// route's public URL; GMAIL_PUSH_SERVICE_ACCOUNT, the push
	// subscription's service account). Without a service account the
	// route refuses every push (503).
	PushAudience, PushServiceAccount string
	// UserQuota is what the server admits of each mailbox's Gmail
	// calls (GMAIL_USER_QUOTA, in quota units; default
	// ratelimit.GmailUserQuota's 5000/m burst=1000, which keeps any
	// minute under Google's 6,000; a project created before May 2026
	// has 15,000: 12500/m burst=2500).
	UserQuota ratelimit.Limit
}

// GraphConfig is where the outlook provider's calls go. The URLs
// default to Microsoft's; tests point them at outlook/outlooktest.
type GraphConfig struct {
	// AuthURL and TokenURL are the identity platform's OAuth 2.0
	// endpoints (MICROSOFT_AUTH_URL, MICROSOFT_TOKEN_URL; default those
	// of MICROSOFT_TENANT).
	AuthURL, TokenURL string
	// APIURL is Microsoft Graph's base URL (GRAPH_API_URL).
	APIURL string
}

// OAuthClient is an OAuth 2.0 client registration.
type OAuthClient struct {
	ID, Secret string
	// Tenant is the Microsoft Entra tenant ("common" by default).
	Tenant string
}

// Embedded reports whether the server runs in embedded mode.
func (c *Config) Embedded() bool { return c.DatabaseURL == "" && c.RedisURL == "" }

// LoadConfig reads the configuration with getenv. Every invalid or
// missing variable is reported at once, in a *ConfigError naming each.
func LoadConfig(getenv func(string) string) (*Config, error) {
	e := &envReader{get: getenv}
	c := &Config{}
	c.Env = e.oneOf("APP_ENV", EnvDevelopment, EnvDevelopment, EnvStaging, EnvProduction)
	c.Port = e.int("PORT", 3003, 0, 65535)
	c.DatabaseURL = e.str("DATABASE_URL", "")
	c.DatabaseMaxConns = e.int("DATABASE_MAX_CONNS", 0, 0, 10_000)
	c.DatabaseAutoMigrate = e.bool("DATABASE_AUTO_MIGRATE", true)
	c.RedisURL = e.str("REDIS_URL", "")
	c.RedisPrefix = e.str("REDIS_KEY_PREFIX", "integration")
	if strings.ContainsAny(c.RedisPrefix, "{} \t\r\n") {
		e.fail("REDIS_KEY_PREFIX", "must not contain braces or white space")
	}
	c.checkMode(e)
	c.loadSecrets(e)
	c.Google = OAuthClient{ID: e.str("GOOGLE_CLIENT_ID", ""), Secret: e.str("GOOGLE_CLIENT_SECRET", "")}
	c.Microsoft = OAuthClient{ID: e.str("MICROSOFT_CLIENT_ID", ""), Secret: e.str("MICROSOFT_CLIENT_SECRET", ""), Tenant: e.str("MICROSOFT_TENANT", "common")}
	pair(e, "GOOGLE_CLIENT_ID", c.Google.ID, "GOOGLE_CLIENT_SECRET", c.Google.Secret)
	pair(e, "MICROSOFT_CLIENT_ID", c.Microsoft.ID, "MICROSOFT_CLIENT_SECRET", c.Microsoft.Secret)
	c.PublicBaseURL = parseBaseURL(e, "PUBLIC_BASE_URL", e.str("PUBLIC_BASE_URL", "http://localhost:"+strconv.Itoa(c.Port)))
	c.Gmail = GmailConfig{
		AuthURL:            parseBaseURL(e, "GOOGLE_AUTH_URL", e.str("GOOGLE_AUTH_URL", gmail.GoogleEndpoint.AuthURL)).String(),
		TokenURL:           parseBaseURL(e, "GOOGLE_TOKEN_URL", e.str("GOOGLE_TOKEN_URL", gmail.GoogleEndpoint.TokenURL)).String(),
		APIURL:             parseBaseURL(e, "GMAIL_API_URL", e.str("GMAIL_API_URL", gmail.DefaultEndpoint)).String() + "/",
		RevokeURL:          parseBaseURL(e, "GOOGLE_REVOKE_URL", e.str("GOOGLE_REVOKE_URL", gmail.GoogleRevokeURL)).String(),
		Issuer:             e.str("GOOGLE_ISSUER", gmail.GoogleIssuer),
		JWKSURL:            parseBaseURL(e, "GOOGLE_JWKS_URL", e.str("GOOGLE_JWKS_URL", gmail.GoogleJWKSURL)).String(),
		Topic:              e.str("GMAIL_PUBSUB_TOPIC", ""),
		PushAudience:       e.str("GMAIL_PUSH_AUDIENCE", c.PublicBaseURL.String()+"/webhooks/gmail"),
		PushServiceAccount: e.str("GMAIL_PUSH_SERVICE_ACCOUNT", ""),
	}
	c.OAuthReturnURLs = parseReturnURLs(e, "OAUTH_RETURN_URLS")
	ms := outlook.MicrosoftEndpoint(c.Microsoft.Tenant)
	c.Graph = GraphConfig{
		AuthURL:  parseBaseURL(e, "MICROSOFT_AUTH_URL", e.str("MICROSOFT_AUTH_URL", ms.AuthURL)).String(),
		TokenURL: parseBaseURL(e, "MICROSOFT_TOKEN_URL", e.str("MICROSOFT_TOKEN_URL", ms.TokenURL)).String(),
		APIURL:   parseBaseURL(e, "GRAPH_API_URL", e.str("GRAPH_API_URL", outlook.DefaultEndpoint)).String(),
	}
	if c.AdminToken = e.str("ADMIN_TOKEN", ""); c.AdminToken != "" && len(c.AdminToken) < 32 {
		e.fail("ADMIN_TOKEN", "must be at least 32 characters (openssl rand -hex 32)")
	}
	c.AdminAddr = e.str("ADMIN_ADDR", "")
	if c.AdminAddr != "" {
		if _, port, err := net.SplitHostPort(c.AdminAddr); err != nil || port == "" {
			e.fail("ADMIN_ADDR", "%q is not a host:port to listen on, such as 127.0.0.1:9090", c.AdminAddr)
		}
	}
	if c.Pprof = e.bool("PPROF_ENABLED", false); c.Pprof && c.AdminAddr == "" {
		e.fail("PPROF_ENABLED", "needs ADMIN_ADDR: the profiler is served on the admin listener only")
	}
	c.loadDashboard(e)
	c.Gmail.UserQuota = ratelimit.GmailUserQuota().Limit
	if v := e.str("GMAIL_USER_QUOTA", ""); v != "" {
		l, err := ratelimit.ParseLimit(v)
		if err != nil || l.EffectiveBurst() < ratelimit.GmailUserQuota().Cost("messages.send") {
			e.fail("GMAIL_USER_QUOTA", "%q is not a limit such as 5000/m burst=1000 with a burst of at least 100 units (one send)", v)
		} else {
			c.Gmail.UserQuota = l.Named("gmail-user")
		}
	}
	if t := c.Gmail.Topic; t != "" && !validTopic(t) {
		e.fail("GMAIL_PUBSUB_TOPIC", "%q is not a topic name such as projects/my-project/topics/gmail", t)
	}

	defFormat := "json"
	if c.Env == EnvDevelopment {
		defFormat = "text"
	}
	c.LogFormat = e.oneOf("LOG_FORMAT", defFormat, "json", "text")
	if err := c.LogLevel.UnmarshalText([]byte(e.str("LOG_LEVEL", "info"))); err != nil {
		e.fail("LOG_LEVEL", "%q is not one of debug, info, warn, error", e.get("LOG_LEVEL"))
	}
	c.LogFlushInterval = 100 * time.Millisecond
	if v := strings.TrimSpace(e.get("LOG_FLUSH_INTERVAL")); v == "0" {
		c.LogFlushInterval = 0
	} else {
		c.LogFlushInterval = e.duration("LOG_FLUSH_INTERVAL", c.LogFlushInterval)
	}
	c.QueueConcurrency = e.int("QUEUE_CONCURRENCY", 10, 1, 10_000)
	c.QueueLease = e.duration("QUEUE_LEASE", 15*time.Second)
	if c.QueueLease < time.Second {
		e.fail("QUEUE_LEASE", "must be at least 1s")
	}
	c.loadRateLimits(e)

	c.EventsWebhookURL = e.str("EVENTS_WEBHOOK_URL", "")
	c.EventsWebhookSecret = e.str("EVENTS_WEBHOOK_SECRET", "")
	pair(e, "EVENTS_WEBHOOK_URL", c.EventsWebhookURL, "EVENTS_WEBHOOK_SECRET", c.EventsWebhookSecret)
	if c.EventsWebhookURL != "" {
		parseBaseURL(e, "EVENTS_WEBHOOK_URL", c.EventsWebhookURL)
	}
	if c.EventsWebhookSecret != "" && !validWebhookSecret(c.EventsWebhookSecret) {
		e.fail("EVENTS_WEBHOOK_SECRET", "must be whsec_ followed by the base64 of 24 to 64 random bytes")
	}

	c.AllowPrivateHosts = e.bool("MAIL_ALLOW_PRIVATE_HOSTS", false)
	c.AllowPlaintext = e.bool("MAIL_ALLOW_PLAINTEXT", false)
	c.IMAPMaxMessageBytes = int64(e.int("IMAP_MAX_MESSAGE_BYTES", imap.DefaultMaxMessageBytes, 1024, 1<<30))
	c.MaxBodyBytes = int64(e.int("MAX_BODY_BYTES", 1<<20, 1024, 1<<30))
	c.MaxSendBodyBytes = int64(e.int("MAX_SEND_BODY_BYTES", 50<<20, 1024, 1<<30))
	c.LoopGuardWindow = e.duration("LOOP_GUARD_WINDOW", sendrun.DefaultLoopWindow)
	c.loadIngress(e)
	c.ShutdownTimeout = e.duration("SHUTDOWN_TIMEOUT", 25*time.Second)
	c.ConnectorTestTimeout = e.duration("CONNECTOR_TEST_TIMEOUT", 30*time.Second)
	c.EventSweepInterval = e.duration("EVENTS_SWEEP_INTERVAL", 30*time.Second)
	c.SyncSweepInterval = e.duration("SYNC_SWEEP_INTERVAL", 5*time.Minute)
	c.HealthCheckInterval = e.duration("HEALTH_CHECK_INTERVAL", 5*time.Minute)
	c.WatchRenewInterval = e.duration("WATCH_RENEW_INTERVAL", time.Hour)
	c.TokenRefreshInterval = e.duration("TOKEN_REFRESH_INTERVAL", 5*time.Minute)
	c.WatchLeaseTTL = e.duration("WATCH_LEASE_TTL", 15*time.Second)
	if c.WatchLeaseTTL < time.Second {
		e.fail("WATCH_LEASE_TTL", "must be at least 1s")
	}
	c.IMAPWatch = e.bool("IMAP_WATCH", true)
	c.loadQuotas(e)
	c.OTLPEndpoint = e.str("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	if err := e.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkMode refuses half a production configuration, and embedded mode
// where APP_ENV says production.
func (c *Config) checkMode(e *envReader) {
	switch {
	case c.DatabaseURL != "" && c.RedisURL == "":
		e.fail("REDIS_URL", "required when DATABASE_URL is set (production mode needs both)")
	case c.RedisURL != "" && c.DatabaseURL == "":
		e.fail("DATABASE_URL", "required when REDIS_URL is set (production mode needs both)")
	case c.Embedded() && c.Env == EnvProduction:
		e.fail("DATABASE_URL", "required when APP_ENV=production: embedded mode keeps nothing across restarts")
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			e.fail("REDIS_URL", "not a valid redis:// or rediss:// URL")
		}
	}
}

func (c *Config) loadRateLimits(e *envReader) {
	c.RateLimitTiers = ratelimit.DefaultTiers()
	if v := e.str("RATE_LIMIT_TIERS", ""); v != "" {
		tiers, err := ratelimit.ParseTiers(v)
		if err != nil {
			e.fail("RATE_LIMIT_TIERS", "%v", err)
		} else {
			c.RateLimitTiers = tiers
		}
	}
	c.RateLimitDefaultTier = e.str("RATE_LIMIT_DEFAULT_TIER", "free")
	if _, ok := c.RateLimitTiers[c.RateLimitDefaultTier]; !ok {
		e.fail("RATE_LIMIT_DEFAULT_TIER", "tier %q is not in RATE_LIMIT_TIERS", c.RateLimitDefaultTier)
	}
	for _, p := range strings.Split(e.str("TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				e.fail("TRUSTED_PROXIES", "%q is neither a CIDR nor an IP address", p)
				continue
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
}

// pair reports a variable set without its partner.
func pair(e *envReader, a, av, b, bv string) {
	switch {
	case av != "" && bv == "":
		e.fail(b, "required when %s is set", a)
	case bv != "" && av == "":
		e.fail(a, "required when %s is set", b)
	}
}

// validTopic reports whether t is a Pub/Sub topic's full name.
func validTopic(t string) bool {
	parts := strings.Split(t, "/")
	return len(parts) == 4 && parts[0] == "projects" && parts[1] != "" && parts[2] == "topics" && parts[3] != ""
}

func parseBaseURL(e *envReader, name, v string) *url.URL {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		e.fail(name, "must be an absolute http:// or https:// URL without query or fragment")
		return &url.URL{Scheme: "http", Host: "localhost"}
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u
}
