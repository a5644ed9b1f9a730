package outlook

import (
	"context"
	"fmt"
	"testing"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// BenchmarkFullSync measures a full delta sync of N messages from the
// fake over loopback: delta pages of 50, each message's MIME fetched 4
// at a time (Graph's concurrency limit), parsed and normalised.
func BenchmarkFullSync(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := newFixture(b, outlooktest.Options{}, func(c *Config) { c.BatchSize = 50 })
			f.insert(b, "", "bench", n)
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
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
