package server

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/ucsp/integration/store/secrets"
)

// minJWTSecret is the shortest JWT_SECRET accepted: HS256 keys shorter
// than the hash are guessable (RFC 7518 §3.2).
const minJWTSecret = 32

// loadSecrets reads JWT_SECRET and ENCRYPTION_KEYS. A stored secret must
// stay readable after a restart, so ENCRYPTION_KEYS is required whenever
// there is a database, whatever APP_ENV says; a missing JWT_SECRET is
// refused in production and replaced by a random one elsewhere.
func (c *Config) loadSecrets(e *envReader) {
	c.JWTIssuer = e.str("JWT_ISSUER", "")
	c.JWTAudience = e.str("JWT_AUDIENCE", "")
	if c.JWTMaxTTL = e.duration("JWT_MAX_TTL", 24*time.Hour); c.JWTMaxTTL < time.Minute {
		e.fail("JWT_MAX_TTL", "must be at least 1m")
	}
	switch v := e.get("JWT_SECRET"); {
	case v != "" && len(v) < minJWTSecret:
		e.fail("JWT_SECRET", "must be at least %d bytes long", minJWTSecret)
	case v != "":
		c.JWTSecret = []byte(v)
	case c.Env == EnvProduction:
		e.fail("JWT_SECRET", "required when APP_ENV=production")
	default:
		c.JWTSecret = make([]byte, 32)
		_, _ = rand.Read(c.JWTSecret) // never fails (crypto/rand)
		c.Generated = append(c.Generated, "JWT_SECRET")
	}

	switch v := strings.TrimSpace(e.get("ENCRYPTION_KEYS")); {
	case v != "":
		ring, err := secrets.ParseKeyring(v)
		if err != nil {
			e.fail("ENCRYPTION_KEYS", "%v", err) // names the key id, never the key
			return
		}
		c.Keyring = ring
	case c.DatabaseURL != "":
		e.fail("ENCRYPTION_KEYS", `required when DATABASE_URL is set: secrets are stored sealed, and a generated key would make them unreadable after a restart (make one with: echo "k1:$(openssl rand -base64 32)")`)
	default:
		ring, err := secrets.GenerateKeyring()
		if err != nil {
			e.fail("ENCRYPTION_KEYS", "generating an ephemeral key: %v", err)
			return
		}
		c.Keyring = ring
		c.Generated = append(c.Generated, "ENCRYPTION_KEYS")
	}
}

// validWebhookSecret reports whether s is a Standard Webhooks secret:
// whsec_ and the base64 of 24 to 64 bytes.
func validWebhookSecret(s string) bool {
	rest, ok := strings.CutPrefix(s, "whsec_")
	if !ok {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	return err == nil && len(b) >= 24 && len(b) <= 64
}

// LogValue describes the configuration for the start-up log line, with
// no secret and no password: only whether each secret is set.
func (c *Config) LogValue() slog.Value {
	mode := "production"
	if c.Embedded() {
		mode = "embedded"
	}
	return slog.GroupValue(
		slog.String("env", c.Env),
		slog.String("mode", mode),
		slog.Int("port", c.Port),
		slog.String("database", redactURL(c.DatabaseURL)),
		slog.String("redis", redactURL(c.RedisURL)),
		slog.String("public_base_url", c.PublicBaseURL.String()),
		slog.Int("queue_concurrency", c.QueueConcurrency),
		slog.Bool("events_webhook", c.EventsWebhookURL != ""),
		slog.Bool("dashboard", c.AdminToken != ""),
		slog.Bool("google_oauth", c.Google.ID != ""),
		slog.Bool("microsoft_oauth", c.Microsoft.ID != ""),
		slog.Bool("mail_allow_private_hosts", c.AllowPrivateHosts),
		slog.Bool("mail_allow_plaintext", c.AllowPlaintext),
		slog.Any("generated_secrets", c.Generated),
	)
}

// redactURL returns u without its password (and without its query,
// which may hold one), or "" for "".
func redactURL(u string) string {
	if u == "" {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || !strings.Contains(u, "://") {
		return "[not a URL, not shown]" // a key=value string may hold a password
	}
	if p.User != nil {
		if _, has := p.User.Password(); has {
			p.User = url.UserPassword(p.User.Username(), "REDACTED")
		}
	}
	p.RawQuery = ""
	return p.String()
}
