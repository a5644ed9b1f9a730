package postgres_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/postgres/pgtest"
)

const (
	benchMailbox = 10_000
	benchBatch   = 500
)

// BenchmarkCommitSync stores a 10,000-message mailbox in batches of 500,
// as a first sync does (Insert), and commits it again, as a sync that
// restarts from an old cursor does (Replay: every message known, nothing
// changed). Renumber commits a mailbox stored with provider refs again
// with new ones, as an IMAP resync after a UIDVALIDITY change does: every
// ref changes, nothing else. One op is the whole mailbox.
//
//	TEST_DATABASE_URL=... go test -run '^$' -bench CommitSync ./store/postgres
func BenchmarkCommitSync(b *testing.B) {
	pool := pgtest.Pool(b)
	st := newStore(b, pool, newKeyring(b))
	mailbox := benchMessages(benchMailbox)
	ctx := testContext(b)

	syncAll := func(b *testing.B, in *store.Integration, mailbox []*connector.Message) *store.SyncResult {
		total := &store.SyncResult{}
		s, err := st.SyncState(ctx, in.TenantID, in.ID)
		require.NoError(b, err)
		version := s.Version
		for start := 0; start < len(mailbox); start += benchBatch {
			res, err := st.CommitSync(ctx, &store.SyncCommit{
				TenantID: in.TenantID, IntegrationID: in.ID, Version: version,
				Cursor:   connector.Cursor(fmt.Sprintf("uid:%d", start+benchBatch)),
				Messages: mailbox[start:min(start+benchBatch, len(mailbox))],
				Events:   receivedEvents,
			})
			require.NoError(b, err)
			version = res.Version
			total.Inserted = append(total.Inserted, res.Inserted...)
			total.Updated += res.Updated
		}
		return total
	}

	b.Run("Insert", func(b *testing.B) {
		for b.Loop() {
			in := newIntegration(b, st, "tenant", connector.Credentials{})
			require.Len(b, syncAll(b, in, mailbox).Inserted, benchMailbox)
		}
		b.ReportMetric(float64(benchMailbox*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("Replay", func(b *testing.B) {
		in := newIntegration(b, st, "tenant", connector.Credentials{})
		syncAll(b, in, mailbox)
		b.ResetTimer()
		for b.Loop() {
			require.Empty(b, syncAll(b, in, mailbox).Inserted)
		}
		b.ReportMetric(float64(benchMailbox*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("Renumber", func(b *testing.B) {
		in := newIntegration(b, st, "tenant", connector.Credentials{})
		renumbered := [2][]*connector.Message{withRefs(mailbox, 1), withRefs(mailbox, 2)}
		syncAll(b, in, renumbered[0])
		b.ResetTimer()
		i := 1
		for b.Loop() {
			res := syncAll(b, in, renumbered[i%2])
			require.Empty(b, res.Inserted)
			require.Zero(b, res.Updated)
			i++
		}
		b.ReportMetric(float64(benchMailbox*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// withRefs returns copies of msgs with IMAP-style refs at UIDVALIDITY
// validity.
func withRefs(msgs []*connector.Message, validity int) []*connector.Message {
	out := make([]*connector.Message, len(msgs))
	for i, m := range msgs {
		c := *m
		c.ProviderRef = fmt.Sprintf("INBOX;UIDVALIDITY=%d;UID=%d", validity, i+1)
		out[i] = &c
	}
	return out
}

// receivedEvents makes one message.received event per inserted message,
// as the sync worker does.
func receivedEvents(inserted []*store.Message) ([]*store.Event, error) {
	out := make([]*store.Event, len(inserted))
	for i, m := range inserted {
		out[i] = &store.Event{
			Type:    "message.received",
			Payload: fmt.Appendf(nil, `{"message_id":%q,"provider_id":%q}`, m.ID, m.ProviderID),
		}
	}
	return out, nil
}

// benchMessages returns n messages shaped like a help desk's mail: a
// couple of addresses, a 1.5 KB text body, a 4 KB HTML body, threading
// headers, an attachment's metadata, flags and folders.
func benchMessages(n int) []*connector.Message {
	para := "Hello, I ordered a pair of shoes three weeks ago (order #48213) and they still have not arrived. " +
		"The tracking page says the parcel left the warehouse, but nothing has moved since. Could you look into it? "
	text := strings.Repeat(para, 7)                                                   // ~1.5 KB
	html := "<html><body>" + strings.Repeat("<p>"+para+"</p>", 17) + "</body></html>" // ~4 KB
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := make([]*connector.Message, n)
	for i := range out {
		out[i] = &connector.Message{
			ProviderID: fmt.Sprintf("INBOX/1700000000/%d", i+1),
			ThreadID:   fmt.Sprintf("thread-%d", i/4),
			MessageID:  fmt.Sprintf("%d.%d@mail.example.org", i, i*7919),
			InReplyTo:  []string{fmt.Sprintf("%d.%d@mail.example.org", i-1, (i-1)*7919)},
			References: []string{"root@mail.example.org", fmt.Sprintf("%d.%d@mail.example.org", i-1, (i-1)*7919)},
			From:       []connector.Address{{Name: fmt.Sprintf("Customer %d", i), Email: fmt.Sprintf("customer%d@example.org", i)}},
			To:         []connector.Address{{Name: "Support", Email: "support@example.com"}},
			Subject:    fmt.Sprintf("Re: Where is my order #%d?", 48000+i),
			Date:       base.Add(time.Duration(i) * time.Minute),
			ReceivedAt: base.Add(time.Duration(i)*time.Minute + 2*time.Second),
			Text:       text,
			HTML:       html,
			Attachments: []connector.Attachment{{
				ID: "2", Filename: "receipt.pdf", ContentType: "application/pdf", Size: 48_213,
			}},
			Folders: []string{"INBOX"},
			Flags:   []string{connector.FlagSeen},
			Size:    int64(9000 + i%500),
			Headers: connector.Header{
				"Return-Path":  {fmt.Sprintf("<customer%d@example.org>", i)},
				"Delivered-To": {"support@example.com"},
			},
		}
	}
	return out
}
