package syncrun_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// BenchmarkSync syncs a mailbox of 1,000 messages, in batches of 100,
// into store/memory from scratch: "runner" through Runner.Sync, with an
// event per message; "bare" a loop of CommitSync calls without events,
// the least a sync can do, for comparison. It reports messages per
// second.
func BenchmarkSync(b *testing.B) {
	const n = 1000
	mb := connectortest.NewMailbox(connectortest.MailboxOptions{BatchSize: 100})
	for i := range n {
		if _, err := mb.Deliver(fmt.Appendf(nil, "From: c%d@example.org\r\nSubject: Question %d\r\nMessage-ID: <q%d@example.org>\r\n\r\nHello\r\n", i, i, i)); err != nil {
			b.Fatal(err)
		}
	}
	conn := mb.Connect(connector.Credentials{})
	st, err := memory.New(memory.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()
	ctx := context.Background()
	newIntegration := func() *store.Integration {
		in := &store.Integration{TenantID: "acme", Provider: "memory", Name: "Support"}
		if err := st.CreateIntegration(ctx, in, connector.Credentials{}); err != nil {
			b.Fatal(err)
		}
		return in
	}

	b.Run("runner", func(b *testing.B) {
		r, err := syncrun.New(st, broker, syncrun.Options{
			Connect: func(context.Context, *store.Integration) (connector.Connector, error) { return conn, nil },
			Publish: func(context.Context, ...*store.Event) {},
			Logger:  quiet(),
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			in := newIntegration()
			b.StartTimer()
			s, err := r.Sync(ctx, in.TenantID, in.ID)
			if err != nil || s.Inserted != n {
				b.Fatalf("%+v %v", s, err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			in := newIntegration()
			b.StartTimer()
			version := int64(0)
			err := conn.Sync(ctx, "", func(ctx context.Context, batch *connector.Batch) error {
				res, err := st.CommitSync(ctx, &store.SyncCommit{
					TenantID: in.TenantID, IntegrationID: in.ID, Version: version,
					Cursor: batch.Cursor, Messages: batch.Messages, Changes: batch.Changes,
				})
				if err == nil {
					version = res.Version
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}
