package server

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTracingExportsSpansNamedByRoute points OTEL_EXPORTER_OTLP_ENDPOINT
// at a fake OTLP/HTTP collector: a request becomes a span named by its
// route pattern (low cardinality), never by the raw path, exported on
// shutdown.
func TestTracingExportsSpansNamedByRoute(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies [][]byte
	var paths []string
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies, paths = append(bodies, b), append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(collector.Close)

	app := newTestApp(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, ln, RoleAll) }()

	base := "http://" + ln.Addr().String()
	resp, err := http.Get(base + "/health/live")
	require.NoError(t, err)
	_ = resp.Body.Close()
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/integrations/0190f6c2-secret-looking-id", nil)
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	cancel()
	require.NoError(t, <-served)
	require.NoError(t, app.Close()) // flushes the batch

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, bodies, "no spans exported")
	require.Contains(t, paths, "/v1/traces")
	all := bytes.Join(bodies, nil)
	require.Contains(t, string(all), "GET /health/live")
	require.Contains(t, string(all), "integration-service", "the service name is set")
	require.Contains(t, string(all), "GET /api/v1/integrations/{id}", "the span is named by its route pattern")
	require.NotContains(t, string(all), "GET /api/v1/integrations/0190f6c2", "never by the raw path")
}
