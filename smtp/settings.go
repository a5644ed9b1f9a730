package smtp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/settings"
)

// Settings are the SMTP settings of an integration as stored in
// connector.Config.Settings, e.g.
//
//	{"host": "smtp.example.com", "port": 587, "security": "starttls", "username": "support@example.com"}
//
// Secrets are never settings: they come from connector.Credentials.
type Settings struct {
	// Host is Config.Host. Required.
	Host string `json:"host"`
	// Port is Config.Port; zero or absent means the default of Security.
	Port int `json:"port,omitempty"`
	// Security is Config.Security: "starttls" (default), "tls" or "none".
	Security Security `json:"security,omitempty"`
	// Username is Config.Username; absent means the credentials'
	// Username.
	Username string `json:"username,omitempty"`
	// Auth is Config.Auth: "auto" (default), "plain", "login", "xoauth2"
	// or "none".
	Auth AuthMethod `json:"auth,omitempty"`
	// HELO is Config.HELO.
	HELO string `json:"helo,omitempty"`
	// DSN is Config.DSN.
	DSN bool `json:"dsn,omitempty"`
}

// ConfigFromSettings builds a Config from raw, an integration's settings (a
// JSON Settings object; unknown fields are refused) and credentials: a
// password, or an OAuth 2.0 token for XOAUTH2. With "auth": "none" the
// credentials are not used (they may be the IMAP side's, see
// SenderFactory): nothing is sent to the server but the mail.
//
// With OAuth 2.0 credentials, Config.TokenSource returns creds.OAuth2 as
// it is, which fails with connector.ErrAuth once the token has expired.
// A caller that can refresh tokens (it holds the provider's
// oauth2.Config) replaces it before calling New:
//
//	cfg.TokenSource = oauth2.ReuseTokenSource(tok, provider.TokenSource(ctx, tok))
//
// Bad settings give a *connector.ValidationError (connector.ErrPermanent)
// listing every problem by its JSON field, "credentials" for the
// credentials. The Logger, Timeout and TLSConfig are left zero for the
// caller to set. ConfigFromSettings does no network I/O.
func ConfigFromSettings(raw json.RawMessage, creds connector.Credentials) (Config, error) {
	var st Settings
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := settings.Decode(raw, &st); err != nil {
			return Config{}, settings.Invalid(settingsContext, "settings", jsonProblem(err))
		}
	}
	cfg := Config{
		Host:     strings.TrimSpace(st.Host),
		Port:     st.Port,
		Security: st.Security,
		Username: st.Username,
		Auth:     st.Auth,
		HELO:     st.HELO,
		DSN:      st.DSN,
	}
	if cfg.Username == "" {
		cfg.Username = creds.Username
	}
	v := connector.ValidationError{Context: settingsContext}
	if cfg.Auth == AuthNone {
		// A relay that takes mail without AUTH: the integration's
		// credentials (those of its IMAP side, say) are not sent.
		creds = connector.Credentials{}
	}
	switch creds.Kind() {
	case connector.CredentialsOAuth2:
		cfg.TokenSource = oauth2.StaticTokenSource(creds.OAuth2)
	case connector.CredentialsPassword:
		cfg.Password = creds.Password
	case connector.CredentialsAppSecret:
		v.Fields = append(v.Fields, connector.FieldError{Field: "credentials", Message: "must be a password or an OAuth 2.0 token, not an app secret"})
	}
	for _, p := range cfg.withDefaults().problems() {
		v.Fields = append(v.Fields, connector.FieldError{Field: p.setting, Message: p.settingMsg})
	}
	if len(v.Fields) > 0 {
		return Config{}, &v
	}
	return cfg, nil
}

// settingsContext begins the text of ConfigFromSettings' errors.
const settingsContext = "smtp: settings"

// jsonProblem describes a JSON decoding error without echoing input.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "must be a JSON object, not a JSON " + te.Value
		}
		return fmt.Sprintf("field %q must be a JSON %s", te.Field, jsonKind(te.Type.Kind().String()))
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return "has an " + strings.TrimPrefix(err.Error(), "json: ")
	}
	return "must be a JSON object: " + err.Error()
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64":
		return "number"
	case "bool":
		return "boolean"
	default:
		return k
	}
}
