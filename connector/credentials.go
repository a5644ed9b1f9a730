package connector

import (
	"fmt"
	"log/slog"

	"golang.org/x/oauth2"
)

// Credentials are what a connector authenticates with: an OAuth 2.0 token
// (Gmail, Outlook, IMAP/SMTP with XOAUTH2), a username and password (IMAP,
// SMTP), or an application secret (a custom webhook source's signing
// secret, an API key).
//
// Credentials are secret. Their String, GoString and LogValue methods
// redact every secret, so printing or logging them reveals only which
// fields are set; store them only sealed (see package store).
type Credentials struct {
	OAuth2    *oauth2.Token `json:"oauth2,omitempty"`
	Username  string        `json:"username,omitempty"`
	Password  string        `json:"password,omitempty"`
	AppSecret string        `json:"app_secret,omitempty"`
}

// CredentialsKind names which credentials are set.
type CredentialsKind string

// The kinds of credentials.
const (
	CredentialsNone      CredentialsKind = "none"
	CredentialsOAuth2    CredentialsKind = "oauth2"
	CredentialsPassword  CredentialsKind = "password"
	CredentialsAppSecret CredentialsKind = "app_secret"
)

// Kind returns which credentials c holds, in the order OAuth 2.0,
// password, app secret.
func (c Credentials) Kind() CredentialsKind {
	switch {
	case c.OAuth2 != nil && (c.OAuth2.AccessToken != "" || c.OAuth2.RefreshToken != ""):
		return CredentialsOAuth2
	case c.Password != "":
		return CredentialsPassword
	case c.AppSecret != "":
		return CredentialsAppSecret
	default:
		return CredentialsNone
	}
}

// IsZero reports whether c holds nothing.
func (c Credentials) IsZero() bool { return c.Kind() == CredentialsNone && c.Username == "" }

// String describes c without its secrets, e.g.
// "connector.Credentials{kind=password username=jane password=[redacted]}".
func (c Credentials) String() string {
	s := "connector.Credentials{kind=" + string(c.Kind())
	if c.Username != "" {
		s += " username=" + c.Username
	}
	if c.OAuth2 != nil {
		s += " oauth2=[redacted]"
		if !c.OAuth2.Expiry.IsZero() {
			s += " expiry=" + c.OAuth2.Expiry.UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	if c.Password != "" {
		s += " password=[redacted]"
	}
	if c.AppSecret != "" {
		s += " app_secret=[redacted]"
	}
	return s + "}"
}

// GoString is String, so that %#v redacts too.
func (c Credentials) GoString() string { return c.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %q) print String, so
// that no verb reveals a secret.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue logs c as a group holding its kind and username only.
func (c Credentials) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("kind", string(c.Kind()))}
	if c.Username != "" {
		attrs = append(attrs, slog.String("username", c.Username))
	}
	return slog.GroupValue(attrs...)
}
