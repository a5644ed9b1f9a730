package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkGetIntegration measures the handler chain of an authenticated
// GET /api/v1/integrations/{id} in embedded mode (JWT, rate limit,
// store, JSON, metrics, an access log line to a discarding writer),
// without the network. The end-to-end comparison over loopback is
// `cd benchmarks && go run ./cmd/compare server`.
func BenchmarkGetIntegration(b *testing.B) {
	cfg, err := LoadConfig(envFunc("JWT_SECRET="+testSecret, "RATE_LIMIT_TIERS=free: 1000000/s burst=1000000"))
	require.NoError(b, err)
	app, err := New(context.Background(), cfg, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(b, err)
	defer app.Close()
	h := app.Handler(RoleAll)
	tok, err := NewToken([]byte(testSecret), "bench", "agent", "", time.Hour)
	require.NoError(b, err)

	req := httptest.NewRequest(http.MethodPost, "/api/v1/integrations", strings.NewReader(`{"name":"x","provider":"custom"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(b, http.StatusCreated, rec.Code)
	id := rec.Header().Get("Location")

	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, id, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
