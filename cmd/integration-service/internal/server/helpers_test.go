package server

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

// newTestApp returns an embedded-mode App configured by env (on top of
// a JWT secret and the private-host allowances tests need), closed when
// t ends.
func newTestApp(t *testing.T, env map[string]string) *App {
	t.Helper()
	base := map[string]string{
		"JWT_SECRET":               testSecret,
		"MAIL_ALLOW_PRIVATE_HOSTS": "true",
		"MAIL_ALLOW_PLAINTEXT":     "true",
		"LOG_LEVEL":                "error",
	}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := LoadConfig(func(k string) string { return base[k] })
	require.NoError(t, err)
	app, err := New(context.Background(), cfg, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = app.Close() })
	return app
}

const testSecret = "test-secret-test-secret-test-secret-0123"
