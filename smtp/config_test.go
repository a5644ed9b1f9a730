package smtp_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/smtp"
)

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	ts := &tokenSource{}
	tests := []struct {
		name string
		cfg  smtp.Config
		want []string
	}{
		{"no host", smtp.Config{}, []string{"Config.Host is required"}},
		{"host with a path", smtp.Config{Host: "smtp.example.com/x"}, []string{"Config.Host must be a host name"}},
		{"port out of range", smtp.Config{Host: "h", Port: 70000}, []string{"Config.Port must be between 1 and 65535, got 70000"}},
		{"unknown security", smtp.Config{Host: "h", Security: "ssl"}, []string{`Config.Security must be "starttls", "tls" or "none", got "ssl"`}},
		{"unknown auth", smtp.Config{Host: "h", Auth: "cram-md5"}, []string{`Config.Auth must be`, `got "cram-md5"`}},
		{"negative timeout", smtp.Config{Host: "h", Timeout: -time.Second}, []string{"Config.Timeout must not be negative"}},
		{"HELO with a space", smtp.Config{Host: "h", HELO: "a b"}, []string{"Config.HELO must be one word"}},
		{"username without secret", smtp.Config{Host: "h", Username: "u"}, []string{"Config.Password or Config.TokenSource is required"}},
		{"secret without username", smtp.Config{Host: "h", Password: "p"}, []string{"Config.Username is required"}},
		{"password and token", smtp.Config{Host: "h", Username: "u", Password: "p", TokenSource: ts}, []string{"Config.Password and Config.TokenSource are both set"}},
		{"plain without password", smtp.Config{Host: "h", Username: "u", Auth: smtp.AuthPlain}, []string{`Config.Password is required for auth "plain"`}},
		{"login with a token", smtp.Config{Host: "h", Username: "u", Auth: smtp.AuthLogin, TokenSource: ts}, []string{`Config.TokenSource is set but auth "login" needs a Password`}},
		{"xoauth2 without token", smtp.Config{Host: "h", Username: "u", Auth: smtp.AuthXOAUTH2}, []string{`Config.TokenSource is required for auth "xoauth2"`}},
		{"xoauth2 without username", smtp.Config{Host: "h", Auth: smtp.AuthXOAUTH2, TokenSource: ts}, []string{"Config.Username is required"}},
		{"none with a password", smtp.Config{Host: "h", Username: "u", Password: "p", Auth: smtp.AuthNone}, []string{`Config.Auth is "none" but credentials are set`}},
		{"several problems", smtp.Config{Port: -1, Security: "x"}, []string{"Config.Host", "Config.Port", "Config.Security"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := smtp.New(tt.cfg)
			require.Error(t, err)
			require.Nil(t, s)
			require.Contains(t, err.Error(), "smtp: invalid Config: ")
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), `"p"`, "no secret in the error")
		})
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sec      smtp.Security
		wantSec  smtp.Security
		wantPort int
	}{
		{"", smtp.SecurityStartTLS, 587},
		{smtp.SecurityStartTLS, smtp.SecurityStartTLS, 587},
		{smtp.SecurityTLS, smtp.SecurityTLS, 465},
		{smtp.SecurityNone, smtp.SecurityNone, 25},
	}
	for _, tt := range tests {
		s, err := smtp.New(smtp.Config{Host: "smtp.example.com", Security: tt.sec})
		require.NoError(t, err)
		cfg := s.Config()
		require.Equal(t, tt.wantSec, cfg.Security)
		require.Equal(t, tt.wantPort, cfg.Port)
		require.Equal(t, smtp.AuthAuto, cfg.Auth)
		require.Equal(t, smtp.DefaultTimeout, cfg.Timeout)
		require.NotNil(t, cfg.Logger)
		require.Equal(t, "smtp.example.com", cfg.TLSConfig.ServerName)
		require.Equal(t, uint16(tls.VersionTLS12), cfg.TLSConfig.MinVersion)
	}

	// The caller's TLS config is cloned, never changed.
	mine := &tls.Config{}
	s, err := smtp.New(smtp.Config{Host: "h", TLSConfig: mine, Port: 2525})
	require.NoError(t, err)
	require.Empty(t, mine.ServerName)
	require.Equal(t, 2525, s.Config().Port)
}

func TestNewWarnsAboutPlaintextCredentials(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	_, err := smtp.New(smtp.Config{Host: "h", Username: "u", Password: "p4ss", Security: smtp.SecurityNone, Logger: logger})
	require.NoError(t, err)
	require.Contains(t, logs.String(), "without TLS")
	require.NotContains(t, logs.String(), "p4ss")

	logs.Reset()
	_, err = smtp.New(smtp.Config{Host: "h", Username: "u", Password: "p4ss", Logger: logger})
	require.NoError(t, err)
	require.Empty(t, logs.String())
}

func TestConfigRedactsSecrets(t *testing.T) {
	t.Parallel()
	cfg := smtp.Config{Host: "smtp.example.com", Username: "jane", Password: "hunter2", TokenSource: &tokenSource{}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, cfg)
		require.NotContains(t, out, "hunter2", verb)
		require.Contains(t, out, "password=[redacted]", verb)
		require.Contains(t, out, "jane", verb)
	}
	require.NotContains(t, fmt.Sprintf("%+v", &cfg), "hunter2")
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "cfg", cfg)
	require.NotContains(t, logs.String(), "hunter2")
	require.Contains(t, logs.String(), `"username":"jane"`)
}
