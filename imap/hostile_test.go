package imap

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/imapscript"
)

// A tenant names the IMAP server, so the server may be hostile: these
// tests play one with internal/imapscript, whose literals announce more
// than they send.

func scriptedConfig(srv *imapscript.Server) Config {
	return Config{Host: srv.Host(), Port: srv.Port(), Security: SecurityNone, Username: "user", Password: "password"}
}

func scriptedMessage(id, subject, body string) []byte {
	return fmt.Appendf(nil, "Message-ID: <%s@hostile.test>\r\nFrom: Someone <someone@hostile.test>\r\nTo: support@example.test\r\nSubject: %s\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\n%s\r\n", id, subject, body)
}

// announcingReader is a literal that announces size bytes, hands out
// data, then fails with stop: a server that stopped sending. It records
// the largest buffer it was asked to fill.
type announcingReader struct {
	size    int64
	data    []byte
	stop    error
	largest int
}

func (r *announcingReader) Size() int64 { return r.size }

func (r *announcingReader) Read(b []byte) (int, error) {
	r.largest = max(r.largest, len(b))
	if len(r.data) == 0 {
		return 0, r.stop
	}
	n := copy(b, r.data)
	r.data = r.data[n:]
	return n, nil
}

// A buffer grows with the bytes that arrive, whatever the announced
// size: a literal announcing 1 GiB that brings 10 KiB is read into a
// buffer of at most firstRead bytes, and one announcing 8 MiB that
// brings them grows to at most twice what came.
func TestLiteralBufferGrowsWithBytesReceived(t *testing.T) {
	t.Parallel()
	lits := &literals{max: DefaultMaxMessageBytes}
	lit := &announcingReader{size: 1 << 30, data: bytes.Repeat([]byte("x"), 10<<10), stop: io.ErrUnexpectedEOF}
	_, err := lits.all(lit, min(lit.size, lits.max))
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.LessOrEqual(t, lit.largest, firstRead, "the buffer was sized from the announcement")

	lit = &announcingReader{size: 1 << 30, data: bytes.Repeat([]byte("x"), 10<<10), stop: io.ErrUnexpectedEOF}
	_, err = lits.header(lit, lit.size)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.LessOrEqual(t, lit.largest, firstRead, "the buffer was sized from the announcement")

	// A literal that ends early (the server hung up) is an error even
	// when what was kept is complete: the caller must not read the
	// literal again (see conn.abandon).
	lit = &announcingReader{size: 1 << 30, data: scriptedMessage("cut", "Cut", "short"), stop: io.EOF}
	_, err = lits.header(lit, lit.size)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	lit = &announcingReader{size: 1 << 30, data: scriptedMessage("cut", "Cut", "short"), stop: io.EOF}
	_, _, err = (&literals{max: 64}).prefix(lit, lit.size)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	const n = 8 << 20
	lit = &announcingReader{size: n, data: bytes.Repeat([]byte("y"), n), stop: io.EOF}
	b, err := lits.all(lit, n)
	require.NoError(t, err)
	require.Len(t, b, n)
	require.LessOrEqual(t, cap(b), 2*n)
	require.LessOrEqual(t, lit.largest, n)
}

// heapAllocated returns the bytes allocated on the heap since the
// program started.
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// A server that announces a 1 GiB literal and then sends nothing more
// costs what it sent, in a sync and in FetchAttachment alike. (Before,
// a sync reserved 256 MiB per message, FetchAttachment the full
// announced size.) Not parallel: it counts the process's allocations.
func TestHeldHugeLiteralAllocatesOnlyWhatArrived(t *testing.T) {
	for name, call := range map[string]func(context.Context, *Connector) error{
		"sync": func(ctx context.Context, c *Connector) error {
			return c.Sync(ctx, "", func(context.Context, *connector.Batch) error { return nil })
		},
		"fetch attachment": func(ctx context.Context, c *Connector) error {
			_, err := c.FetchAttachment(ctx, providerRef("INBOX", 1, 1), "1")
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := imapscript.New(t, imapscript.Options{Messages: []imapscript.Message{
				{Raw: scriptedMessage("huge", "Huge", "Only this arrives."), Announce: 1 << 30, Rest: imapscript.Hold},
			}})
			c := newConnector(t, scriptedConfig(srv))
			before := heapAllocated()
			done := make(chan error, 1)
			go func() { done <- call(context.Background(), c) }()
			require.Eventually(t, func() bool { return srv.Held() == 1 }, 30*time.Second, time.Millisecond)
			srv.Close() // the held literal ends with the connection
			err := <-done
			allocated := heapAllocated() - before
			require.Error(t, err)
			require.ErrorIs(t, err, connector.ErrTemporary, "a connection lost mid-literal is worth a retry: %v", err)
			t.Logf("%s: %d KiB allocated", name, allocated>>10)
			require.Less(t, allocated, uint64(16<<20), "memory was allocated for what the server announced, not for what it sent")
		})
	}
}

// A message over MaxMessageBytes becomes a stub: its header, its size, a
// problem, no body. The rest of its literal is read and dropped, so the
// next message comes whole on the same connection, which stays usable.
// The stub has the ProviderID the whole message has, so it is stored
// once, and a sync from scratch makes the same stub.
func TestOversizeMessageIsSyncedAsAStub(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	big := imapscript.Message{Raw: scriptedMessage("big", "Big", "The start of a long body."), Announce: 3 * limit, Rest: imapscript.Fill}
	srv := imapscript.New(t, imapscript.Options{Messages: []imapscript.Message{
		{Raw: scriptedMessage("before", "Before", "First.")},
		big,
		{Raw: scriptedMessage("after", "After", "Synced whole.")},
	}})
	cfg := scriptedConfig(srv)
	cfg.MaxMessageBytes = limit
	c := newConnector(t, cfg)

	r := syncAll(t, c, "")
	require.Len(t, r.messages, 3)
	stub := r.byMessageID("big@hostile.test")
	require.NotNil(t, stub)
	require.Equal(t, "Big", stub.Subject)
	require.Equal(t, "someone@hostile.test", stub.From[0].Email)
	require.Equal(t, int64(3*limit), stub.Size)
	require.Equal(t, providerRef("INBOX", 1, 2), stub.ProviderRef)
	require.Empty(t, stub.Text)
	require.Empty(t, stub.Attachments)
	require.Len(t, stub.Problems, 1)
	require.Contains(t, stub.Problems[0], "larger than the maximum message size")
	for _, id := range []string{"before@hostile.test", "after@hostile.test"} {
		m := r.byMessageID(id)
		require.NotNil(t, m, id)
		require.Empty(t, m.Problems, id)
		require.NotEmpty(t, strings.TrimSpace(m.Text), id)
	}
	require.Equal(t, "Synced whole.", strings.TrimSpace(r.byMessageID("after@hostile.test").Text))
	require.Equal(t, 1, srv.Accepted(), "one connection for the whole sync")

	// The connection is still good: the next sync reuses it, and finds
	// nothing new.
	next := syncAll(t, c, r.cursor)
	require.Empty(t, next.messages)
	require.Equal(t, 1, srv.Accepted(), "the connection that read the oversize message was reused")

	// From scratch, the same stub, field for field.
	again := syncAll(t, c, "")
	require.Equal(t, stub, again.byMessageID("big@hostile.test"))

	// With a larger maximum the whole message comes, under the stub's
	// ProviderID: raising the limit later stores nothing twice.
	whole := syncAll(t, newConnector(t, scriptedConfig(srv)), "").byMessageID("big@hostile.test")
	require.NotNil(t, whole)
	require.Empty(t, whole.Problems)
	require.Equal(t, stub.ProviderID, whole.ProviderID)
}

// A message whose header alone is over MaxMessageBytes keeps the first
// MaxMessageBytes of it, as a header fetch does, so that a lookup by its
// ProviderID finds it. Its content cannot be fetched: FetchAttachment
// says ErrTooLarge, and the connection goes on.
func TestOversizeHeaderAndFetchAttachment(t *testing.T) {
	t.Parallel()
	const limit = 16 << 10
	var hdr strings.Builder
	for i := 0; hdr.Len() < 4*limit; i++ {
		fmt.Fprintf(&hdr, "X-Filler-%d: %s\r\n", i, strings.Repeat("f", 60))
	}
	raw := append([]byte(hdr.String()), scriptedMessage("bighead", "Big header", "Body.")...)
	srv := imapscript.New(t, imapscript.Options{Messages: []imapscript.Message{
		{Raw: raw},
		{Raw: scriptedMessage("small", "Small", "Fits.")},
	}})
	cfg := scriptedConfig(srv)
	cfg.MaxMessageBytes = limit
	c := newConnector(t, cfg)
	r := syncAll(t, c, "")
	require.Len(t, r.messages, 2)
	stub := r.messages[0]
	require.Equal(t, int64(len(raw)), stub.Size)
	require.NotEmpty(t, stub.Problems)
	require.Empty(t, stub.MessageID, "the Message-ID is past the part of the header that was kept")

	ctx := context.Background()
	_, err := c.FetchAttachment(ctx, stub.ProviderID, "1")
	require.ErrorIs(t, err, ErrTooLarge, "the message was found by its ProviderID, and is too large to read")
	require.ErrorIs(t, err, connector.ErrPermanent)

	// The same connection goes on: the small message is read and parsed
	// (its part 1 is its text, not an attachment).
	_, err = c.FetchAttachment(ctx, r.messages[1].ProviderID, "1")
	require.ErrorIs(t, err, connector.ErrNotFound)
	require.Contains(t, err.Error(), "not an attachment")
	require.Equal(t, 1, srv.Accepted(), "one connection throughout")
}

// A literal that trickles in is progress: a slow message within the
// limit arrives whole even though it takes longer than CommandTimeout,
// as long as no gap between its pieces does.
func TestTricklingLiteralIsProgress(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("A slow line of a slow message.\r\n", 4<<10) // 128 KiB: 128 pieces
	srv := imapscript.New(t, imapscript.Options{Messages: []imapscript.Message{
		{Raw: scriptedMessage("slow", "Slow", body), Pace: 20 * time.Millisecond},
	}})
	cfg := scriptedConfig(srv)
	cfg.CommandTimeout = time.Second // the literal takes over 2.5 s, each piece 20 ms
	r := syncAll(t, newConnector(t, cfg), "")
	require.Len(t, r.messages, 1)
	require.Empty(t, r.messages[0].Problems)
	require.Equal(t, normalizeLF(strings.TrimSpace(body)), strings.TrimSpace(r.messages[0].Text))
}
