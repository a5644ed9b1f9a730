package outlook

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

const testUser = "support@contoso.example"

// fixture is a fake Graph with one mailbox and a connector to it.
type fixture struct {
	srv *outlooktest.Server
	mb  *outlooktest.Mailbox
	tok *oauth2.Token
	cfg Config
	c   *Connector
}

// newFixture starts a server (opts) and builds a connector with small
// batches and no retries; mutate adjusts the Config first.
func newFixture(t testing.TB, opts outlooktest.Options, mutate func(*Config)) *fixture {
	t.Helper()
	srv := outlooktest.NewServer(opts)
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, mb: srv.AddUser(testUser), tok: srv.IssueToken(testUser)}
	f.cfg = Config{
		Email:       testUser,
		TokenSource: oauth2.StaticTokenSource(f.tok),
		Endpoint:    srv.Endpoint(),
		BatchSize:   4,
		MaxRetries:  -1,
		Logger:      slog.New(slog.DiscardHandler),
	}
	if mutate != nil {
		mutate(&f.cfg)
	}
	f.c = newConnector(t, f.cfg)
	return f
}

func newConnector(t testing.TB, cfg Config) *Connector {
	t.Helper()
	c, err := New(cfg)
	require.NoError(t, err)
	return c
}

// syncResult is everything one Sync handed out.
type syncResult struct {
	batches  []*connector.Batch
	messages []*connector.Message
	changes  []connector.Change
	cursor   connector.Cursor
}

func (r *syncResult) kinds(k connector.ChangeKind) []connector.Change {
	var out []connector.Change
	for _, c := range r.changes {
		if c.Kind == k {
			out = append(out, c)
		}
	}
	return out
}

// providerIDs returns the changes' ProviderIDs.
func providerIDs(changes []connector.Change) []string {
	var out []string
	for _, c := range changes {
		out = append(out, c.ProviderID)
	}
	return out
}

func syncAll(t testing.TB, c *Connector, from connector.Cursor) *syncResult {
	t.Helper()
	r, err := trySync(c, from)
	require.NoError(t, err)
	return r
}

func trySync(c *Connector, from connector.Cursor) (*syncResult, error) {
	r := &syncResult{cursor: from}
	err := c.Sync(context.Background(), from, func(_ context.Context, b *connector.Batch) error {
		r.batches = append(r.batches, b)
		r.messages = append(r.messages, b.Messages...)
		r.changes = append(r.changes, b.Changes...)
		r.cursor = b.Cursor
		return nil
	})
	return r, err
}

// rawMessage returns a small RFC 5322 message with subject and
// Message-ID <id>; extra header lines come before the body.
func rawMessage(id, subject string, extra ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Customer <customer@example.org>\r\nTo: Support <%s>\r\nSubject: %s\r\n", testUser, subject)
	fmt.Fprintf(&b, "Date: Mon, 02 Mar 2026 10:00:00 +0000\r\nMessage-ID: <%s>\r\n", id)
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\nHello, " + subject + "\r\n")
	return []byte(b.String())
}

// insert puts n messages "<prefix> i" into folder and returns their ids.
func (f *fixture) insert(t testing.TB, folder, prefix string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		id, err := f.mb.Insert(rawMessage(fmt.Sprintf("%s-%d@example.org", prefix, i), fmt.Sprintf("%s %d", prefix, i)), folder)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	return ids
}
