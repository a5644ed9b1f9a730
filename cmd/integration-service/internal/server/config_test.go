package server

import (
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func envFunc(kv ...string) func(string) string {
	m := map[string]string{}
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

const testKeys = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

func TestConfigErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  []string
		want []string
	}{
		{[]string{"PORT=http"}, []string{"PORT"}},
		{[]string{"PORT=70000"}, []string{"PORT"}},
		{[]string{"SHUTDOWN_TIMEOUT=soon"}, []string{"SHUTDOWN_TIMEOUT"}},
		{[]string{"APP_ENV=prod"}, []string{"APP_ENV"}},
		{[]string{"LOG_LEVEL=loud"}, []string{"LOG_LEVEL"}},
		{[]string{"LOG_FLUSH_INTERVAL=-1s"}, []string{"LOG_FLUSH_INTERVAL"}},
		{[]string{"GMAIL_USER_QUOTA=lots"}, []string{"GMAIL_USER_QUOTA"}},
		{[]string{"GMAIL_USER_QUOTA=6000/m burst=50"}, []string{"GMAIL_USER_QUOTA"}},
		{[]string{"GMAIL_PUBSUB_TOPIC=gmail"}, []string{"GMAIL_PUBSUB_TOPIC"}},
		{[]string{"GMAIL_API_URL=ftp://x"}, []string{"GMAIL_API_URL"}},
		{[]string{"LOG_FLUSH_INTERVAL=often"}, []string{"LOG_FLUSH_INTERVAL"}},
		{[]string{"QUEUE_CONCURRENCY=0"}, []string{"QUEUE_CONCURRENCY"}},
		{[]string{"RATE_LIMIT_TIERS=free: lots"}, []string{"RATE_LIMIT_TIERS"}},
		{[]string{"RATE_LIMIT_DEFAULT_TIER=gold"}, []string{"RATE_LIMIT_DEFAULT_TIER"}},
		{[]string{"TRUSTED_PROXIES=10.0.0.0/8,nope"}, []string{"TRUSTED_PROXIES"}},
		{[]string{"JWT_SECRET=short"}, []string{"JWT_SECRET"}},
		{[]string{"ENCRYPTION_KEYS=k1:notbase64"}, []string{"ENCRYPTION_KEYS"}},
		{[]string{"PUBLIC_BASE_URL=ftp://x"}, []string{"PUBLIC_BASE_URL"}},
		{[]string{"GOOGLE_CLIENT_ID=x"}, []string{"GOOGLE_CLIENT_SECRET"}},
		{[]string{"MICROSOFT_CLIENT_SECRET=x"}, []string{"MICROSOFT_CLIENT_ID"}},
		{[]string{"EVENTS_WEBHOOK_URL=https://platform.example/hooks"}, []string{"EVENTS_WEBHOOK_SECRET"}},
		{[]string{"EVENTS_WEBHOOK_URL=https://platform.example/hooks", "EVENTS_WEBHOOK_SECRET=hunter2"}, []string{"EVENTS_WEBHOOK_SECRET"}},
		{[]string{"MAIL_ALLOW_PRIVATE_HOSTS=maybe"}, []string{"MAIL_ALLOW_PRIVATE_HOSTS"}},
		{[]string{"REDIS_KEY_PREFIX=a{b}"}, []string{"REDIS_KEY_PREFIX"}},
		// Production mode needs both URLs, and ENCRYPTION_KEYS with any database.
		{[]string{"DATABASE_URL=postgres://db/x", "REDIS_URL=redis://r:6379/0"}, []string{"ENCRYPTION_KEYS"}},
		{[]string{"DATABASE_URL=postgres://db/x", "ENCRYPTION_KEYS=" + testKeys}, []string{"REDIS_URL"}},
		{[]string{"REDIS_URL=redis://r:6379/0"}, []string{"DATABASE_URL"}},
		{[]string{"REDIS_URL=http://r", "DATABASE_URL=postgres://db/x", "ENCRYPTION_KEYS=" + testKeys}, []string{"REDIS_URL"}},
		// APP_ENV=production refuses generated secrets and embedded mode.
		{[]string{"APP_ENV=production", "DATABASE_URL=postgres://db/x", "REDIS_URL=redis://r:6379/0", "ENCRYPTION_KEYS=" + testKeys}, []string{"JWT_SECRET"}},
		{[]string{"APP_ENV=production", "JWT_SECRET=" + testSecret}, []string{"DATABASE_URL"}},
		// Every problem at once.
		{[]string{"PORT=x", "QUEUE_CONCURRENCY=-1", "DATABASE_URL=postgres://db/x", "REDIS_URL=redis://r:6379/0"}, []string{"PORT", "ENCRYPTION_KEYS", "QUEUE_CONCURRENCY"}},
	} {
		_, err := LoadConfig(envFunc(tc.env...))
		require.Error(t, err, tc.env)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce)
		require.Len(t, ce.Problems, len(tc.want), "%v: %v", tc.env, err)
		for i, v := range tc.want {
			require.True(t, strings.HasPrefix(ce.Problems[i], v+": "), "%v: problem %q should name %s", tc.env, ce.Problems[i], v)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(envFunc())
	require.NoError(t, err)
	require.True(t, cfg.Embedded())
	require.Equal(t, EnvDevelopment, cfg.Env)
	require.Equal(t, 3003, cfg.Port)
	require.Equal(t, 10, cfg.QueueConcurrency)
	require.Equal(t, "text", cfg.LogFormat)
	require.Equal(t, slog.LevelInfo, cfg.LogLevel)
	require.Equal(t, 100*time.Millisecond, cfg.LogFlushInterval)
	require.Equal(t, "http://localhost:3003", cfg.PublicBaseURL.String())
	require.ElementsMatch(t, []string{"JWT_SECRET", "ENCRYPTION_KEYS"}, cfg.Generated)
	require.Len(t, cfg.JWTSecret, 32)
	require.NotNil(t, cfg.Keyring)
	require.False(t, cfg.AllowPrivateHosts)
	require.False(t, cfg.AllowPlaintext)

	cfg, err = LoadConfig(envFunc("APP_ENV=staging", "DATABASE_URL=postgres://u:pw@db/x", "REDIS_URL=redis://:rpw@r:6379/0",
		"ENCRYPTION_KEYS="+testKeys, "JWT_SECRET="+testSecret, "QUEUE_CONCURRENCY=3"))
	require.NoError(t, err)
	require.False(t, cfg.Embedded())
	require.Equal(t, "json", cfg.LogFormat)
	require.Empty(t, cfg.Generated)
	require.Equal(t, 3, cfg.QueueConcurrency)

	cfg, err = LoadConfig(envFunc("LOG_FLUSH_INTERVAL=0"))
	require.NoError(t, err)
	require.Zero(t, cfg.LogFlushInterval)
	cfg, err = LoadConfig(envFunc("LOG_FLUSH_INTERVAL=2s"))
	require.NoError(t, err)
	require.Equal(t, 2*time.Second, cfg.LogFlushInterval)
}

// TestConfigLogValueHidesSecrets: the start-up line shows whether
// secrets are set, never what they are.
func TestConfigLogValueHidesSecrets(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(envFunc("DATABASE_URL=postgres://u:dbpass@db/x?password=qpass", "REDIS_URL=redis://:redispass@r:6379/0",
		"ENCRYPTION_KEYS="+testKeys, "JWT_SECRET="+testSecret,
		"EVENTS_WEBHOOK_URL=https://p.example/h", "EVENTS_WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"GOOGLE_CLIENT_ID=gid", "GOOGLE_CLIENT_SECRET=gsecret"))
	require.NoError(t, err)
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "config", cfg)
	out := b.String()
	for _, secret := range []string{"dbpass", "qpass", "redispass", testSecret, "AAAAAAAA", "MfKQ9r8", "gsecret"} {
		require.NotContains(t, out, secret)
	}
	require.Contains(t, out, "u:REDACTED@db/x")
	require.Equal(t, "[not a URL, not shown]", redactURL("host=db password=secret"))
}

// TestEnvExampleDocumentsEveryVariable: every variable LoadConfig reads
// is in .env.example.
func TestEnvExampleDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	read := map[string]bool{}
	_, err := LoadConfig(func(k string) string { read[k] = true; return "" })
	require.NoError(t, err)
	require.Greater(t, len(read), 20)
	example, err := os.ReadFile("../../../../.env.example")
	require.NoError(t, err)
	documented := map[string]bool{}
	for _, line := range strings.Split(string(example), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "#")
		if k, _, ok := strings.Cut(line, "="); ok && k != "" && k == strings.ToUpper(k) && !strings.Contains(k, " ") {
			documented[k] = true
		}
	}
	for k := range read {
		require.True(t, documented[k], "%s is read by LoadConfig but not in .env.example", k)
	}
}

// TestReadmeTablesEveryVariable: the README's configuration table names
// every variable LoadConfig reads.
func TestReadmeTablesEveryVariable(t *testing.T) {
	t.Parallel()
	read := map[string]bool{}
	_, err := LoadConfig(func(k string) string { read[k] = true; return "" })
	require.NoError(t, err)
	readme, err := os.ReadFile("../../../../README.md")
	require.NoError(t, err)
	for k := range read {
		require.Contains(t, string(readme), "`"+k+"`", "%s is read by LoadConfig but not in the README's configuration table", k)
	}
}
