package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
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

// operatorGet GETs u with testAdminToken as the bearer token, as the
// operators' routes (/metrics, /health/queue-stats) require.
func operatorGet(u string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	return http.DefaultClient.Do(req)
}

// serveApp builds an App from exactly env (PUBLIC_BASE_URL set to the
// loopback address it serves on) and opts, lets setup adjust it, and
// serves it (RoleAll). It returns the App, its base URL and a stop
// function, also run when t ends.
func serveApp(t *testing.T, env map[string]string, opts Options, setup func(*App)) (*App, string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	env["PUBLIC_BASE_URL"] = base
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	require.NoError(t, err)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	app, err := New(context.Background(), cfg, opts)
	require.NoError(t, err)
	if setup != nil {
		setup(app)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln, RoleAll) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done; _ = app.Close() }) }
	t.Cleanup(stop)
	return app, base, stop
}
