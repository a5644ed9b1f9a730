package smtp_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/smtp"
)

func TestConfigFromSettings(t *testing.T) {
	t.Parallel()
	tok := &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}
	tests := []struct {
		name     string
		settings string
		creds    connector.Credentials
		check    func(t *testing.T, cfg smtp.Config)
	}{
		{
			"password", `{"host":"smtp.example.com","port":465,"security":"tls","username":"support@example.com"}`,
			connector.Credentials{Password: "pw"},
			func(t *testing.T, cfg smtp.Config) {
				require.Equal(t, "smtp.example.com", cfg.Host)
				require.Equal(t, 465, cfg.Port)
				require.Equal(t, smtp.SecurityTLS, cfg.Security)
				require.Equal(t, "support@example.com", cfg.Username)
				require.Equal(t, "pw", cfg.Password)
				require.Nil(t, cfg.TokenSource)
			},
		},
		{
			"oauth2 token", `{"host":"smtp.gmail.com","username":"support@example.com","auth":"xoauth2"}`,
			connector.Credentials{OAuth2: tok},
			func(t *testing.T, cfg smtp.Config) {
				require.Equal(t, smtp.AuthXOAUTH2, cfg.Auth)
				require.Empty(t, cfg.Password)
				got, err := cfg.TokenSource.Token()
				require.NoError(t, err)
				require.Equal(t, "at", got.AccessToken)
			},
		},
		{
			"username from the credentials, defaults", `{"host":"smtp.example.com"}`,
			connector.Credentials{Username: "jane", Password: "pw"},
			func(t *testing.T, cfg smtp.Config) {
				require.Equal(t, "jane", cfg.Username)
				require.Empty(t, cfg.Security, "New fills the defaults")
				require.Zero(t, cfg.Port)
			},
		},
		{
			"auth none ignores the integration's credentials", `{"host":"relay.internal","security":"none","port":25,"auth":"none"}`,
			connector.Credentials{Username: "imap-user", Password: "imap-pw"},
			func(t *testing.T, cfg smtp.Config) {
				require.Equal(t, smtp.AuthNone, cfg.Auth)
				require.Empty(t, cfg.Password, "no password may reach a relay that takes no AUTH")
				require.Nil(t, cfg.TokenSource)
			},
		},
		{
			"no credentials", `{"host":"relay.internal","security":"none","port":25,"helo":"app.internal","dsn":true}`,
			connector.Credentials{},
			func(t *testing.T, cfg smtp.Config) {
				require.Equal(t, smtp.SecurityNone, cfg.Security)
				require.Equal(t, "app.internal", cfg.HELO)
				require.True(t, cfg.DSN)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := smtp.ConfigFromSettings(json.RawMessage(tt.settings), tt.creds)
			require.NoError(t, err)
			tt.check(t, cfg)
			_, err = smtp.New(cfg)
			require.NoError(t, err, "a Config from valid settings must be accepted by New")
		})
	}
}

func TestConfigFromSettingsInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		settings string
		creds    connector.Credentials
		want     map[string]string // field → part of its message
	}{
		{"empty", ``, connector.Credentials{}, map[string]string{"host": "is required"}},
		{"not an object", `[1]`, connector.Credentials{}, map[string]string{"settings": "must be a JSON object"}},
		{"unknown field", `{"host":"h","securtiy":"none"}`, connector.Credentials{}, map[string]string{"settings": `unknown field "securtiy"`}},
		{"wrong type", `{"host":"h","port":"587"}`, connector.Credentials{}, map[string]string{"settings": `"port" must be a JSON number`}},
		{"bad values", `{"host":"h","port":99999,"security":"ssl","auth":"md5"}`, connector.Credentials{},
			map[string]string{"port": "between 1 and 65535", "security": `got "ssl"`, "auth": `got "md5"`}},
		{"xoauth2 with a password", `{"host":"h","username":"u","auth":"xoauth2"}`, connector.Credentials{Password: "pw"},
			map[string]string{"credentials": "needs an OAuth 2.0 token"}},
		{"plain without password", `{"host":"h","username":"u","auth":"plain"}`, connector.Credentials{},
			map[string]string{"credentials": "must hold a password"}},
		{"app secret", `{"host":"h","username":"u"}`, connector.Credentials{AppSecret: "s"},
			map[string]string{"credentials": "not an app secret"}},
		{"token without username", `{"host":"h"}`, connector.Credentials{OAuth2: &oauth2.Token{AccessToken: "a"}},
			map[string]string{"username": "is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := smtp.ConfigFromSettings(json.RawMessage(tt.settings), tt.creds)
			require.ErrorIs(t, err, connector.ErrPermanent)
			require.Contains(t, err.Error(), "smtp: settings: ")
			var v *connector.ValidationError
			require.ErrorAs(t, err, &v)
			got := map[string]string{}
			for _, f := range v.Fields {
				got[f.Field] += f.Message
			}
			require.Len(t, got, len(tt.want), "fields: %v", v.Fields)
			for field, msg := range tt.want {
				require.Contains(t, got[field], msg, "field %q", field)
			}
			require.NotContains(t, err.Error(), "pw")
		})
	}
}
