package server

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCustomWebhook measures verified deliveries to
// POST /webhooks/custom/{id} in embedded mode, without the network:
// each one new (its own webhook-id and message_id), so each is stored
// with its event. The end-to-end comparison with a hello-world handler
// over loopback is `cd benchmarks && go run ./cmd/compare server`.
func BenchmarkCustomWebhook(b *testing.B) {
	f := newCustomFixture(b, nil)
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := strconv.FormatInt(seq.Add(1), 10)
			body := `{"from":{"email":"ann@example.org"},"subject":"Order ` + n + `","text":"x","message_id":"b` + n + `@example.org"}`
			if rec := f.push(b, f.id, f.secret, "msg_"+n, time.Now(), body); rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}
