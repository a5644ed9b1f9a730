package webhook_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ucsp/integration/webhook"
)

// benchBody is an inbound message of a custom source, about 1 KiB.
var benchBody = []byte(`{"type":"message.received","timestamp":"2026-11-20T10:00:00Z","data":{"from":"customer@example.com",` +
	`"to":"support@tenant.example","subject":"Order 12345 has not arrived","text":"` +
	string(bytes.Repeat([]byte("Hello, my order has not arrived yet. "), 24)) + `"}}`)

// hello is the handler both sides of the comparison end in: it reads the
// body and answers 200, as a handler that queues the work would.
var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusOK)
})

func benchVerifier(b *testing.B, replay webhook.ReplayStore) (*webhook.Verifier, *webhook.Signer) {
	secret := webhook.GenerateSecret()
	v, err := webhook.NewVerifier([]webhook.Secret{secret}, webhook.VerifierOptions{
		Replay: replay, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	s, err := webhook.NewSigner(secret)
	if err != nil {
		b.Fatal(err)
	}
	return v, s
}

// BenchmarkMiddleware compares, in process, a bare handler with the same
// handler behind Verifier.Middleware: headers checked, the 1 KiB body
// read and its HMAC-SHA256 compared, and (with a replay store) the id
// remembered. Each iteration builds its request, on both sides.
func BenchmarkMiddleware(b *testing.B) {
	v, signer := benchVerifier(b, nil)
	h, err := signer.Sign("msg_bench", time.Now(), benchBody)
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, handler http.Handler, header func(i int) http.Header) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchBody)))
		b.ResetTimer()
		var i int
		for b.Loop() {
			r := httptest.NewRequest(http.MethodPost, "/webhooks/custom/42", bytes.NewReader(benchBody))
			if header != nil {
				for k, vals := range header(i) {
					r.Header[k] = vals
				}
			}
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("bare", func(b *testing.B) { run(b, hello, func(int) http.Header { return h }) })
	b.Run("verified", func(b *testing.B) { run(b, v.Middleware(hello), func(int) http.Header { return h }) })
	b.Run("verified+memory-replay", func(b *testing.B) {
		// Every request a new id: signing is part of this loop (see
		// BenchmarkSign for its share).
		rv, rs := benchVerifier(b, webhook.NewMemoryReplayStore())
		now := time.Now()
		run(b, rv.Middleware(hello), func(i int) http.Header {
			h, err := rs.Sign("msg_"+strconv.Itoa(i), now, benchBody)
			if err != nil {
				b.Fatal(err)
			}
			return h
		})
	})
}

// BenchmarkSign measures Signer.Sign of the 1 KiB body.
func BenchmarkSign(b *testing.B) {
	_, s := benchVerifier(b, nil)
	now := time.Now()
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		if _, err := s.Sign("msg_bench", now, benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMiddlewareHTTP compares a bare handler with a verified one
// over loopback HTTP/1.1 with keep-alive, from GOMAXPROCS parallel
// clients: what a server sees, network stack included.
func BenchmarkMiddlewareHTTP(b *testing.B) {
	v, signer := benchVerifier(b, nil)
	h, err := signer.Sign("msg_bench", time.Now(), benchBody)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		handler http.Handler
	}{{"bare", hello}, {"verified", v.Middleware(hello)}} {
		b.Run(c.name, func(b *testing.B) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 256}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			var failed atomic.Value
			b.SetBytes(int64(len(benchBody)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/custom/42", bytes.NewReader(benchBody))
					for k, vals := range h {
						req.Header[k] = vals
					}
					resp, err := client.Do(req)
					if err != nil {
						failed.Store(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						failed.Store(fmt.Errorf("status %d", resp.StatusCode))
						return
					}
				}
			})
			if err, _ := failed.Load().(error); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
