package imap

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/testenv"
)

// BenchmarkSyncDovecot is a full sync of alice's INBOX (10,000 messages)
// on Dovecot: fetch, parse, batches. Compare with BenchmarkBareFetchDovecot.
func BenchmarkSyncDovecot(b *testing.B) {
	addr, user, password := testenv.IMAP(b)
	host, port := splitAddr(b, addr)
	c := newConnector(b, Config{Host: host, Port: port, Security: SecurityNone, Username: user, Password: password})
	ctx := context.Background()
	var n int
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		err := c.Sync(ctx, "", func(_ context.Context, batch *connector.Batch) error {
			n += len(batch.Messages)
			return nil
		})
		require.NoError(b, err)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkBareFetchDovecot is the peer: go-imap's UID FETCH 1:*
// BODY.PEEK[] collecting the bodies, no parsing.
func BenchmarkBareFetchDovecot(b *testing.B) {
	addr, user, password := testenv.IMAP(b)
	c, err := imapclient.DialInsecure(addr, nil)
	require.NoError(b, err)
	defer func() { _ = c.Close() }()
	require.NoError(b, c.Login(user, password).Wait())
	_, err = c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	require.NoError(b, err)
	var n int
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		k, err := bareFetch(c)
		require.NoError(b, err)
		n += k
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msgs/s")
}

func bareFetch(c *imapclient.Client) (int, error) {
	var all imap.UIDSet
	all.AddRange(1, 0)
	cmd := c.Fetch(all, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	n := 0
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			if body, ok := item.(imapclient.FetchItemDataBodySection); ok && body.Literal != nil {
				if _, err := io.ReadAll(body.Literal); err != nil {
					return n, err
				}
			}
		}
		n++
	}
	return n, cmd.Close()
}

// BenchmarkListenMemoryDovecot measures what an idle account costs: the
// heap and goroutine stacks of 1,000 connectors (Dovecot's load0001 ..
// load1000) each with Listen in IDLE, per account.
func BenchmarkListenMemoryDovecot(b *testing.B) {
	addr, _, _ := testenv.IMAP(b)
	host, port := splitAddr(b, addr)
	const accounts = 1000
	for b.Loop() {
		before := heapAndStacks()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		conns := make([]*Connector, accounts)
		for i := range conns {
			c, err := New(Config{Host: host, Port: port, Security: SecurityNone,
				Username: fmt.Sprintf("load%04d", i+1), Password: "loadpw", PollInterval: time.Hour})
			require.NoError(b, err)
			conns[i] = c
			wg.Go(func() { _ = c.Listen(ctx, func(connector.Notification) {}) })
			if i%50 == 49 {
				waitAllListening(b, conns[:i+1])
			}
		}
		waitAllListening(b, conns)
		after := heapAndStacks()
		b.ReportMetric(float64(after-before)/accounts, "bytes/account")
		cancel()
		wg.Wait()
		for _, c := range conns {
			_ = c.Close()
		}
	}
}

func waitAllListening(b *testing.B, conns []*Connector) {
	b.Helper()
	require.Eventually(b, func() bool {
		for _, c := range conns {
			if c.Stats().Listening != 1 {
				return false
			}
		}
		return true
	}, 2*time.Minute, 20*time.Millisecond)
}

func heapAndStacks() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}
