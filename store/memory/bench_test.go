package memory

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// BenchmarkCommitSyncOne measures one-message commits with one event
// each, on a store that keeps every message (as a webhook source's
// deliveries are stored one by one, or a few at a time).
func BenchmarkCommitSyncOne(b *testing.B) {
	s, err := New(Options{})
	require.NoError(b, err)
	defer s.Close()
	ctx := context.Background()
	in := &store.Integration{TenantID: tenantA, Provider: "custom", Name: "Form"}
	require.NoError(b, s.CreateIntegration(ctx, in, connector.Credentials{}))
	events := func(inserted []*store.Message) ([]*store.Event, error) {
		out := make([]*store.Event, len(inserted))
		for i, m := range inserted {
			out[i] = &store.Event{Type: "message.received", Payload: []byte(`{"message":{"id":"` + m.ID + `"}}`)}
		}
		return out, nil
	}
	version := int64(0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n := strconv.Itoa(i)
		res, err := s.CommitSync(ctx, &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Version: version,
			Cursor: connector.Cursor("webhook:" + n),
			Messages: []*connector.Message{{
				ProviderID: "message-id:" + n + "@example.org", MessageID: n + "@example.org",
				From:    []connector.Address{{Name: "Ann", Email: "ann@example.org"}},
				To:      []connector.Address{{Email: "help@example.com"}},
				Subject: "Order " + n, Text: "Where is my order?",
			}},
			Events: events,
		})
		if err != nil {
			b.Fatal(err)
		}
		version = res.Version
	}
}
