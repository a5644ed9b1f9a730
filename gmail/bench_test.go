package gmail

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// BenchmarkFullSync syncs a mailbox of n messages from scratch against
// the fake server over loopback HTTP: messages.list pages of BatchSize,
// messages.get raw Concurrency at a time, MIME parsing.
func BenchmarkFullSync(b *testing.B) {
	for _, n := range []int{100, 1000} {
		for _, conc := range []int{1, 10} {
			b.Run(fmt.Sprintf("n=%d/concurrency=%d", n, conc), func(b *testing.B) {
				// A transport that keeps a connection per concurrent call:
				// the fake speaks HTTP/1.1 (Google speaks HTTP/2, which
				// multiplexes), and http.DefaultTransport keeps only 2 idle
				// connections per host.
				tr := http.DefaultTransport.(*http.Transport).Clone()
				tr.MaxIdleConnsPerHost = conc
				b.Cleanup(tr.CloseIdleConnections)
				f := newFixture(b, gmailtest.Options{}, func(c *Config) {
					c.BatchSize, c.Concurrency = 100, conc
					c.HTTPClient = &http.Client{Transport: tr}
				})
				for i := range n {
					raw := rawMessage(fmt.Sprintf("bench-%d@example.org", i), fmt.Sprintf("Bestellung %d – Lieferung verspätet", i))
					if _, err := f.mb.Insert(raw); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					got := 0
					err := f.c.Sync(context.Background(), "", func(_ context.Context, batch *connector.Batch) error {
						got += len(batch.Messages)
						return nil
					})
					if err != nil || got != n {
						b.Fatalf("synced %d of %d: %v", got, n, err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			})
		}
	}
}
