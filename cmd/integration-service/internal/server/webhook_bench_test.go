package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// BenchmarkCustomWebhook measures the server's side of verified
// deliveries to POST /webhooks/custom/{id} in embedded mode, without the
// network: the requests (each new, with its own webhook-id and
// message_id, so each is stored with its event) are built and signed
// before the timer starts, and 50 goroutines send them, as the
// end-to-end comparison does; the access log is on (formatted, then
// dropped). The comparison with a hello-world handler over loopback is
// `cd benchmarks && go run ./cmd/compare server`.
func BenchmarkCustomWebhook(b *testing.B) {
	// Limits per client and per source far above the run's rate: still
	// decided on every delivery (their cost is measured), never denying.
	cfg, err := LoadConfig(envFunc("JWT_SECRET="+testSecret, "LOG_LEVEL=info",
		"WEBHOOK_RATE_LIMIT_CLIENT=1000000/s burst=1000000", "WEBHOOK_RATE_LIMIT_TARGET=1000000/s burst=1000000"))
	require.NoError(b, err)
	logger, lw := NewLogger(cfg, io.Discard)
	app, err := New(context.Background(), cfg, Options{Logger: logger})
	require.NoError(b, err)
	b.Cleanup(func() { _ = app.Close(); _ = lw.Close() })
	f := customFixtureOn(b, app)
	s, err := webhook.ParseSecret(f.secret)
	require.NoError(b, err)
	signer, err := webhook.NewSigner(s)
	require.NoError(b, err)

	reqs := make([]*http.Request, b.N)
	now := time.Now()
	for i := range reqs {
		n := strconv.Itoa(i)
		body := `{"from":{"name":"Ann","email":"ann@example.org"},"to":[{"email":"help@example.com"}],` +
			`"subject":"Order ` + n + `","text":"Where is my order?","message_id":"bench-` + n + `@example.org"}`
		h, err := signer.Sign("msg_"+n, now, []byte(body))
		require.NoError(b, err)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/custom/"+f.id, strings.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/json")
		reqs[i] = req
	}
	var next atomic.Int64
	b.SetParallelism(25)
	b.ReportAllocs()
	cpu0 := processCPU(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &statusWriter{h: http.Header{}}
		for pb.Next() {
			w.reset()
			f.h.ServeHTTP(w, reqs[next.Add(1)-1])
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		}
	})
	b.StopTimer()
	// What a delivery costs in CPU time (user + system, all threads,
	// the collector's included): steadier than ns/op, which also counts
	// the waits of the group commit.
	b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// processCPU returns the CPU time the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// statusWriter is a ResponseWriter that keeps only the status, as a
// connection's writer would send the rest away.
type statusWriter struct {
	h      http.Header
	status int
}

func (w *statusWriter) Header() http.Header { return w.h }

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}

func (w *statusWriter) reset() {
	clear(w.h)
	w.status = 0
}
