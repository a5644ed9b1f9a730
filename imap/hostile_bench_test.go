package imap

import (
	"context"
	"testing"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/imapscript"
)

// BenchmarkAnnouncedHugeLiteral syncs a message whose literal announces
// 256 MiB and brings a few hundred bytes before the server hangs up:
// what a hostile server costs per message. It reports the bytes
// allocated per message (B/msg; each op is one message, with its
// connection and login).
func BenchmarkAnnouncedHugeLiteral(b *testing.B) {
	srv := imapscript.New(b, imapscript.Options{Messages: []imapscript.Message{
		{Raw: scriptedMessage("huge", "Huge", "Only this arrives."), Announce: 256 << 20, Rest: imapscript.Hangup},
	}})
	c, err := New(scriptedConfig(srv))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	ctx := context.Background()
	noop := func(context.Context, *connector.Batch) error { return nil }
	b.ReportAllocs()
	before := heapAllocated()
	for b.Loop() {
		if err := c.Sync(ctx, "", noop); err == nil {
			b.Fatal("the sync of a message cut short succeeded")
		}
	}
	b.ReportMetric(float64(heapAllocated()-before)/float64(b.N), "B/msg")
}
