package smtp_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gomail "github.com/wneessen/go-mail"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/smtp"
)

// tokenSource hands out tok-1, tok-2, ... one per call, like a source
// that refreshes every time; or err.
type tokenSource struct {
	mu    sync.Mutex
	calls int
	err   error
}

func (s *tokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	s.calls++
	return &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", s.calls), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

func validTokens(user string) func(string, string) bool {
	return func(u, tok string) bool { return u == user && strings.HasPrefix(tok, "tok-") }
}

func TestSendAuthMechanisms(t *testing.T) {
	t.Parallel()
	const user, pass = "support@example.com", "correct horse"
	tests := []struct {
		name   string
		offer  []string
		auth   smtp.AuthMethod
		oauth  bool
		sec    smtp.Security
		server string
	}{
		{"plain", []string{"LOGIN", "PLAIN"}, smtp.AuthPlain, false, smtp.SecurityStartTLS, "starttls"},
		{"login", []string{"PLAIN", "LOGIN"}, smtp.AuthLogin, false, smtp.SecurityStartTLS, "starttls"},
		{"xoauth2", []string{"PLAIN", "XOAUTH2"}, smtp.AuthXOAUTH2, true, smtp.SecurityStartTLS, "starttls"},
		{"auto with password, PLAIN offered", []string{"PLAIN", "LOGIN"}, smtp.AuthAuto, false, smtp.SecurityTLS, "implicit"},
		{"auto with password, only LOGIN offered", []string{"LOGIN"}, smtp.AuthAuto, false, smtp.SecurityTLS, "implicit"},
		{"auto with token", []string{"PLAIN", "XOAUTH2"}, "", true, smtp.SecurityTLS, "implicit"},
		{"plain over plaintext when configured", []string{"PLAIN"}, smtp.AuthPlain, false, smtp.SecurityNone, ""},
		{"login over plaintext when configured", []string{"LOGIN"}, smtp.AuthLogin, false, smtp.SecurityNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{
				TLS: tt.server, Mechs: tt.offer, Users: map[string]string{user: pass}, Token: validTokens(user),
			})
			cfg := ts.config(t, tt.sec)
			cfg.Username, cfg.Auth = user, tt.auth
			if tt.oauth {
				cfg.TokenSource = &tokenSource{}
			} else {
				cfg.Password = pass
			}
			_, err := newSender(t, cfg).Send(t.Context(), simple(t))
			require.NoError(t, err)
			msgs := ts.received()
			require.Len(t, msgs, 1)
			require.Equal(t, user, msgs[0].User)
		})
	}
}

func TestSendBadCredentials(t *testing.T) {
	t.Parallel()
	const user, pass = "support@example.com", "correct horse"
	for _, mech := range []smtp.AuthMethod{smtp.AuthPlain, smtp.AuthLogin, smtp.AuthXOAUTH2} {
		t.Run(string(mech), func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{
				TLS: "starttls", Mechs: []string{"PLAIN", "LOGIN", "XOAUTH2"}, Users: map[string]string{user: pass},
				Token: func(string, string) bool { return false },
			})
			cfg := ts.config(t, smtp.SecurityStartTLS)
			cfg.Username, cfg.Auth = user, mech
			if mech == smtp.AuthXOAUTH2 {
				cfg.TokenSource = &tokenSource{}
			} else {
				cfg.Password = "wrong battery"
			}
			_, err := newSender(t, cfg).Send(t.Context(), simple(t))
			require.ErrorIs(t, err, connector.ErrAuth)
			require.Contains(t, err.Error(), "535")
			require.NotContains(t, err.Error(), "wrong battery")
			require.NotContains(t, err.Error(), "tok-1")
			require.Empty(t, ts.received())
		})
	}
}

func TestSendXOAUTH2NotOffered(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{TLS: "starttls", Mechs: []string{"PLAIN", "LOGIN"}})
	cfg := ts.config(t, smtp.SecurityStartTLS)
	cfg.Username, cfg.Auth, cfg.TokenSource = "support@example.com", smtp.AuthXOAUTH2, &tokenSource{}
	_, err := newSender(t, cfg).Send(t.Context(), simple(t))
	require.ErrorIs(t, err, smtp.ErrAuthNotOffered)
	require.ErrorIs(t, err, gomail.ErrXOauth2AuthNotSupported)
	require.ErrorIs(t, err, connector.ErrPermanent)
	require.Contains(t, err.Error(), "XOAUTH2")
	require.Zero(t, ts.auths.Load())
	require.Empty(t, ts.received())
}

func TestSendAuthNotOfferedAtAll(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{TLS: "starttls"})
	cfg := ts.config(t, smtp.SecurityStartTLS)
	cfg.Username, cfg.Password = "u", "pw"
	_, err := newSender(t, cfg).Send(t.Context(), simple(t))
	require.ErrorIs(t, err, smtp.ErrAuthNotOffered)
	require.ErrorIs(t, err, connector.ErrPermanent)
	require.Empty(t, ts.received())
}

func TestXOAUTH2TokenRefreshedBeforeEachDial(t *testing.T) {
	t.Parallel()
	const user = "support@example.com"
	ts := startServer(t, serverOptions{TLS: "implicit", Mechs: []string{"XOAUTH2"}, Token: validTokens(user)})
	cfg := ts.config(t, smtp.SecurityTLS)
	src := &tokenSource{}
	cfg.Username, cfg.TokenSource = user, src
	s := newSender(t, cfg)

	for range 2 {
		_, err := s.Send(t.Context(), simple(t))
		require.NoError(t, err)
	}
	ss, err := s.Dial(t.Context())
	require.NoError(t, err)
	for range 2 {
		_, err := ss.Send(t.Context(), simple(t))
		require.NoError(t, err)
	}
	require.NoError(t, ss.Close())

	require.Equal(t, []string{"tok-1", "tok-2", "tok-3"}, ts.presentedTokens(),
		"each connection must use a fresh token, and only connections take one")
	require.Len(t, ts.received(), 4)
}

func TestXOAUTH2WithReuseTokenSource(t *testing.T) {
	t.Parallel()
	// The usual source: a cached token, refreshed only once it expires.
	const user = "support@example.com"
	ts := startServer(t, serverOptions{TLS: "starttls", Mechs: []string{"XOAUTH2"}, Token: validTokens(user)})
	refresher := &tokenSource{}
	expired := &oauth2.Token{AccessToken: "tok-0", Expiry: time.Now().Add(-time.Minute)}
	cfg := ts.config(t, smtp.SecurityStartTLS)
	cfg.Username, cfg.TokenSource = user, oauth2.ReuseTokenSource(expired, refresher)
	s := newSender(t, cfg)
	for range 2 {
		_, err := s.Send(t.Context(), simple(t))
		require.NoError(t, err)
	}
	require.Equal(t, []string{"tok-1", "tok-1"}, ts.presentedTokens(), "the expired token was refreshed once, then reused")
}

func TestXOAUTH2TokenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  oauth2.TokenSource
		kind error
	}{
		{"grant revoked", &tokenSource{err: &oauth2.RetrieveError{Response: &http.Response{StatusCode: 400}, ErrorCode: "invalid_grant"}}, connector.ErrAuth},
		{"token endpoint down", &tokenSource{err: &oauth2.RetrieveError{Response: &http.Response{StatusCode: 503}}}, connector.ErrTemporary},
		{"network", &tokenSource{err: fmt.Errorf("dial tcp: connection refused")}, connector.ErrTemporary},
		{"expired static token", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "old", Expiry: time.Now().Add(-time.Hour)}), connector.ErrAuth},
		{"empty token", oauth2.StaticTokenSource(&oauth2.Token{}), connector.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{TLS: "starttls", Mechs: []string{"XOAUTH2"}})
			cfg := ts.config(t, smtp.SecurityStartTLS)
			cfg.Username, cfg.TokenSource = "support@example.com", tt.src
			_, err := newSender(t, cfg).Send(t.Context(), simple(t))
			require.ErrorIs(t, err, tt.kind)
			require.Contains(t, err.Error(), "oauth2 token")
			require.Zero(t, ts.conns.Load(), "dialled without a usable token")
		})
	}
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	const pass = "hunter2-very-secret"
	// A server that echoes the credentials in its refusal.
	ts := startServer(t, serverOptions{
		TLS: "starttls", Mechs: []string{"PLAIN", "XOAUTH2"}, Users: map[string]string{"u": "other"},
		AuthFailText: "bad password " + pass + " or token tok-1 (" + b64(pass) + ")",
	})
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	cfg := ts.config(t, smtp.SecurityStartTLS)
	cfg.Username, cfg.Password, cfg.Logger = "u", pass, logger
	s := newSender(t, cfg)
	_, err := s.Send(t.Context(), simple(t))
	require.ErrorIs(t, err, connector.ErrAuth)
	require.Contains(t, err.Error(), "[redacted]")
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v %#v", err, err), fmt.Sprint(s.Config()), fmt.Sprintf("%+v", s.Config())} {
		require.NotContains(t, text, pass)
		require.NotContains(t, text, b64(pass))
	}

	cfg = ts.config(t, smtp.SecurityStartTLS)
	cfg.Username, cfg.TokenSource, cfg.Logger = "u", &tokenSource{}, logger
	_, err = newSender(t, cfg).Send(t.Context(), simple(t))
	require.ErrorIs(t, err, connector.ErrAuth)
	require.NotContains(t, err.Error(), "tok-1")

	logger.Info("config", "cfg", s.Config())
	require.NotContains(t, logs.String(), pass)
	require.NotContains(t, logs.String(), "tok-1")
	require.Contains(t, logs.String(), `"host":"127.0.0.1"`, "the logs were captured")
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
