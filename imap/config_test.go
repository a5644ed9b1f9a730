package imap

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	good := Config{Host: "imap.example.com", Username: "jane", Password: "pw"}
	cases := []struct {
		name   string
		change func(*Config)
		field  string
	}{
		{"no host", func(c *Config) { c.Host = "" }, "Host"},
		{"host with port", func(c *Config) { c.Host = "imap.example.com:993" }, "Host"},
		{"host with scheme", func(c *Config) { c.Host = "imaps://imap.example.com" }, "Host"},
		{"bad port", func(c *Config) { c.Port = 70000 }, "Port"},
		{"bad security", func(c *Config) { c.Security = "ssl" }, "Security"},
		{"no username", func(c *Config) { c.Username = "" }, "Username"},
		{"no secret", func(c *Config) { c.Password = "" }, "Password"},
		{"two secrets", func(c *Config) { c.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"}) }, "Password"},
		{"password with CRLF", func(c *Config) { c.Password = "a\r\nb" }, "Password"},
		{"empty folder list", func(c *Config) { c.Folders = []string{} }, "Folders"},
		{"empty folder", func(c *Config) { c.Folders = []string{"INBOX", ""} }, "Folders[1]"},
		{"duplicate folder", func(c *Config) { c.Folders = []string{"INBOX", "inbox"} }, "Folders[1]"},
		{"negative batch", func(c *Config) { c.BatchSize = -1 }, "BatchSize"},
		{"negative message size", func(c *Config) { c.MaxMessageBytes = -1 }, "MaxMessageBytes"},
		{"negative timeout", func(c *Config) { c.CommandTimeout = -time.Second }, "CommandTimeout"},
		{"idle too long", func(c *Config) { c.IdleRefresh = 29 * time.Minute }, "IdleRefresh"},
		{"backoff inverted", func(c *Config) { c.ReconnectBackoff = time.Minute; c.ReconnectBackoffMax = time.Second }, "ReconnectBackoffMax"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tc.change(&cfg)
			_, err := New(cfg)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			require.ErrorIs(t, err, connector.ErrPermanent)
			var ve *connector.ValidationError
			require.ErrorAs(t, err, &ve, "Factory callers look for a connector.ValidationError")
			fields := make([]string, len(ce.Fields))
			for i, f := range ce.Fields {
				fields[i] = f.Field
			}
			require.Contains(t, fields, tc.field)
			require.Contains(t, err.Error(), "imap: invalid config: "+tc.field)
		})
	}
}

func TestNewFillsDefaults(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Host: "imap.example.com", Username: "jane", Password: "pw", Folders: []string{"inbox", "Archive"}})
	require.NoError(t, err)
	cfg := c.cfg
	require.Equal(t, SecurityTLS, cfg.Security)
	require.Equal(t, 993, cfg.Port)
	require.Equal(t, []string{"INBOX", "Archive"}, cfg.Folders, "INBOX is case-insensitive")
	require.Equal(t, DefaultBatchSize, cfg.BatchSize)
	require.Equal(t, DefaultMaxConnections, cfg.MaxConnections)
	require.Equal(t, DefaultIdleRefresh, cfg.IdleRefresh)
	require.Equal(t, int64(DefaultMaxMessageBytes), cfg.MaxMessageBytes)
	require.Equal(t, int64(50<<20), cfg.MaxMessageBytes)
	require.NotNil(t, cfg.Logger)
	require.Equal(t, "imap", c.Provider())

	c, err = New(Config{Host: "::1", Security: SecurityStartTLS, Username: "jane", Password: "pw"})
	require.NoError(t, err)
	require.Equal(t, 143, c.cfg.Port)
	require.Equal(t, "[::1]:143", c.cfg.address())
	require.Equal(t, []string{"INBOX"}, c.cfg.Folders)
}

func TestFactory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	settings := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return b
	}
	var reg connector.Registry
	sender := &recordingSender{}
	require.NoError(t, reg.Register("imap", Factory(FactoryOptions{
		Base:   Config{BatchSize: 7},
		Sender: func(context.Context, connector.Config) (connector.Sender, error) { return sender, nil },
	})))

	c, err := reg.New(ctx, connector.Config{
		Provider:    "imap",
		Settings:    settings(map[string]any{"email": "support@example.com", "imap": map[string]any{"host": "imap.example.com", "security": "starttls"}, "folders": []string{"INBOX", "Escalations"}, "sent_copy": false, "smtp": map[string]any{"host": "smtp.example.com"}}),
		Credentials: connector.Credentials{Password: "pw"},
	})
	require.NoError(t, err)
	ic := c.(*Connector)
	t.Cleanup(func() { _ = ic.Close() })
	require.Equal(t, "support@example.com", ic.cfg.Username, "the username defaults to the email")
	require.Equal(t, 143, ic.cfg.Port)
	require.Equal(t, 7, ic.cfg.BatchSize, "Base settings apply")
	require.Equal(t, []string{"INBOX", "Escalations"}, ic.cfg.Folders)
	require.True(t, ic.cfg.DisableSentCopy)
	require.Same(t, sender, ic.cfg.Sender)

	_, err = reg.New(ctx, connector.Config{
		Provider: "imap",
		Settings: settings(map[string]any{"imap": map[string]any{"host": "imap.example.com:993", "security": "ssl"}, "folders": []string{""}}),
	})
	var ve *connector.ValidationError
	require.ErrorAs(t, err, &ve)
	var fields []string
	for _, f := range ve.Fields {
		fields = append(fields, f.Field)
	}
	require.ElementsMatch(t, []string{"email", "credentials", "imap.host", "imap.security", "folders[0]", "imap.username"}, fields)

	_, err = reg.New(ctx, connector.Config{Provider: "imap", Settings: json.RawMessage(`{"email":"a@b","imap":{"host":"h"},"typo":1}`), Credentials: connector.Credentials{Password: "x"}})
	require.ErrorAs(t, err, &ve, "unknown settings are an error, not ignored")
	require.Contains(t, err.Error(), "typo")
}

func TestFactoryHandsTheSMTPSettingsToTheSender(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var got []connector.Config
	senderErr := error(nil)
	f := Factory(FactoryOptions{OAuth2: &oauth2.Config{Endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1:1/token"}}, Sender: func(_ context.Context, cc connector.Config) (connector.Sender, error) {
		got = append(got, cc)
		if senderErr != nil {
			return nil, senderErr
		}
		return &recordingSender{}, nil
	}})
	tok := &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}
	c, err := f(ctx, connector.Config{
		Settings:    json.RawMessage(`{"email":"support@example.com","imap":{"host":"imap.example.com"},"smtp":{"host":"smtp.example.com","port":465}}`),
		Credentials: connector.Credentials{OAuth2: tok},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.(*Connector).Close() })
	require.Len(t, got, 1)
	require.JSONEq(t, `{"host":"smtp.example.com","port":465}`, string(got[0].Settings), "the sender gets the smtp object as its settings")
	require.Same(t, c.(*Connector).cfg.TokenSource, got[0].TokenSource, "both sides share one token source")
	require.Equal(t, "support@example.com", got[0].Credentials.Username, "the sender logs in as the IMAP side does by default")

	// Receive-only: no smtp object, no sender built, Send unsupported.
	c, err = f(ctx, connector.Config{
		Settings:    json.RawMessage(`{"email":"support@example.com","imap":{"host":"imap.example.com"}}`),
		Credentials: connector.Credentials{Password: "pw"},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.(*Connector).Close() })
	require.Len(t, got, 1)
	_, err = c.Send(ctx, &connector.OutboundMessage{MessageID: "m1@example.com", From: connector.Address{Email: "support@example.com"}, To: []connector.Address{{Email: "c@example.org"}}, Subject: "s", Text: "t"})
	require.ErrorIs(t, err, connector.ErrUnsupported)

	// The sender's validation errors are named under "smtp.".
	senderErr = &connector.ValidationError{Fields: []connector.FieldError{{Field: "host", Message: "is required"}, {Field: "settings", Message: "must be a JSON object"}}}
	_, err = f(ctx, connector.Config{
		Settings:    json.RawMessage(`{"email":"support@example.com","imap":{"host":"imap.example.com"},"smtp":{"port":25}}`),
		Credentials: connector.Credentials{Password: "pw"},
	})
	var ve *connector.ValidationError
	require.ErrorAs(t, err, &ve)
	require.ElementsMatch(t, []connector.FieldError{{Field: "smtp.host", Message: "is required"}, {Field: "smtp", Message: "must be a JSON object"}}, ve.Fields)

	// An smtp object with nowhere to go is refused, not ignored.
	_, err = Factory(FactoryOptions{})(ctx, connector.Config{
		Settings:    json.RawMessage(`{"email":"support@example.com","imap":{"host":"imap.example.com"},"smtp":{"host":"smtp.example.com"}}`),
		Credentials: connector.Credentials{Password: "pw"},
	})
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "smtp", ve.Fields[0].Field)
}
