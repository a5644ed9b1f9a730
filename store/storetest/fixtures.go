package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

const (
	tenantA = "tenant-a"
	tenantB = "tenant-b"
)

// base is a fixed time with microsecond precision, the precision stores
// keep.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newIntegration(tenant, provider, name string) *store.Integration {
	return &store.Integration{
		TenantID: tenant,
		Provider: provider,
		Name:     name,
		Config:   json.RawMessage(`{"email":"support@example.com","folders":["INBOX","Support"]}`),
	}
}

// mustIntegration creates an integration for tenant and returns it.
func mustIntegration(t *testing.T, s store.Store, tenant string) *store.Integration {
	t.Helper()
	in := newIntegration(tenant, "imap", "Support inbox")
	require.NoError(t, s.CreateIntegration(ctxFor(t), in, connector.Credentials{Username: "support", Password: "pw-" + tenant}))
	return in
}

// message returns a fully populated connector message numbered n. Its
// ProviderRef differs from its ProviderID, so that a store mixing the two
// up fails.
func message(n int) *connector.Message {
	return &connector.Message{
		ProviderID:  fmt.Sprintf("INBOX/7/%d", n),
		ProviderRef: ref(7, n),
		ThreadID:    fmt.Sprintf("thread-%d", n%3),
		MessageID:   fmt.Sprintf("msg-%d@example.com", n),
		InReplyTo:   []string{fmt.Sprintf("parent-%d@example.com", n)},
		References:  []string{"root@example.com", fmt.Sprintf("parent-%d@example.com", n)},
		From:        []connector.Address{{Name: "Zoë Customer", Email: "zoe@example.org"}},
		To:          []connector.Address{{Name: "Support", Email: "support@example.com"}},
		Cc:          []connector.Address{{Email: "cc@example.org"}},
		ReplyTo:     []connector.Address{{Email: "reply@example.org"}},
		Subject:     fmt.Sprintf("Réclamation n°%d", n),
		Date:        base.Add(time.Duration(n) * time.Minute).Truncate(time.Second),
		ReceivedAt:  base.Add(time.Duration(n)*time.Minute + time.Second),
		Text:        fmt.Sprintf("Hello %d,\nmy order did not arrive.", n),
		HTML:        fmt.Sprintf("<p>Hello %d, my order did not arrive.</p>", n),
		Attachments: []connector.Attachment{{
			ID: "2", Filename: "receipt.pdf", ContentType: "application/pdf", Size: 1234,
		}, {
			ID: "3", Filename: "logo.png", ContentType: "image/png", ContentID: "logo@x", Inline: true, Size: 99,
		}},
		Folders:  []string{"INBOX"},
		Labels:   []string{"Support"},
		Flags:    []string{connector.FlagSeen},
		Size:     int64(2048 + n),
		Headers:  connector.Header{"List-Id": {"<support.example.com>"}, "Auto-Submitted": {"no"}},
		Problems: []string{"part 4: unknown charset x-42"},
	}
}

// ref returns an IMAP-style ref: the message with UID uid in INBOX at
// UIDVALIDITY validity.
func ref(validity, uid int) string {
	return fmt.Sprintf("imap:INBOX;UIDVALIDITY=%d;UID=%d", validity, uid)
}

// withRef returns a copy of m whose ProviderRef is r.
func withRef(m *connector.Message, r string) *connector.Message {
	c := m.Clone()
	c.ProviderRef = r
	return c
}

func messages(from, to int) []*connector.Message {
	var out []*connector.Message
	for n := from; n < to; n++ {
		out = append(out, message(n))
	}
	return out
}

// commit commits msgs and changes at the integration's current version and
// returns the result.
func commit(t *testing.T, s store.Store, in *store.Integration, cur connector.Cursor, msgs []*connector.Message, changes ...connector.Change) *store.SyncResult {
	t.Helper()
	ctx := ctxFor(t)
	st, err := s.SyncState(ctx, in.TenantID, in.ID)
	require.NoError(t, err)
	res, err := s.CommitSync(ctx, &store.SyncCommit{
		TenantID: in.TenantID, IntegrationID: in.ID, Version: st.Version,
		Cursor: cur, Messages: msgs, Changes: changes,
	})
	require.NoError(t, err)
	return res
}

func storedProviderIDs(msgs []*store.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ProviderID
	}
	return out
}

func connectorProviderIDs(msgs []*connector.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ProviderID
	}
	return out
}

// requireSameMessage checks that got holds everything want had, with
// times compared as instants.
func requireSameMessage(t *testing.T, want *connector.Message, got *store.Message) {
	t.Helper()
	w := *want
	g := got.Message
	require.True(t, w.Date.Equal(g.Date), "date: want %v, got %v", w.Date, g.Date)
	require.True(t, w.ReceivedAt.Equal(g.ReceivedAt), "received_at: want %v, got %v", w.ReceivedAt, g.ReceivedAt)
	w.Date, g.Date, w.ReceivedAt, g.ReceivedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	w.Attachments = withoutContent(w.Attachments)
	g.Attachments = withoutContent(g.Attachments)
	require.Equal(t, normalize(w), normalize(g))
}

// normalize makes empty slices and maps nil, so that a store may return
// either for "none".
func normalize(m connector.Message) connector.Message {
	m.InReplyTo = nilIfEmpty(m.InReplyTo)
	m.References = nilIfEmpty(m.References)
	m.From = nilIfEmpty(m.From)
	m.To = nilIfEmpty(m.To)
	m.Cc = nilIfEmpty(m.Cc)
	m.Bcc = nilIfEmpty(m.Bcc)
	m.ReplyTo = nilIfEmpty(m.ReplyTo)
	m.Attachments = nilIfEmpty(m.Attachments)
	m.Folders = nilIfEmpty(m.Folders)
	m.Labels = nilIfEmpty(m.Labels)
	m.Flags = nilIfEmpty(m.Flags)
	m.Problems = nilIfEmpty(m.Problems)
	if len(m.Headers) == 0 {
		m.Headers = nil
	}
	return m
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func withoutContent(in []connector.Attachment) []connector.Attachment {
	out := slices.Clone(in)
	for i := range out {
		out[i].Content = nil
	}
	return out
}

// allPages pages through list with limit and returns every item.
func allPages[T any](t *testing.T, limit int, list func(store.ListOptions) (*store.Page[T], error)) []T {
	t.Helper()
	var out []T
	opts := store.ListOptions{Limit: limit}
	for range 10_000 {
		p, err := list(opts)
		require.NoError(t, err)
		require.LessOrEqual(t, len(p.Items), limit)
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out
		}
		opts.Cursor = p.NextCursor
	}
	t.Fatal("pagination did not end")
	return nil
}
