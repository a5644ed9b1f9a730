package netguard_test

import (
	"context"
	"net"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/connector/netguard"
	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/ratelimit"
)

// BenchmarkDial measures what a guarded dial costs over a plain one: a
// connection to a loopback listener opened and closed, with no caps,
// with caps in a process's semaphore, and with caps in Redis (two
// scripts to take the host's and the mailbox's slots, two to give them
// back).
func BenchmarkDial(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	addr := ln.Addr().String()
	run := func(b *testing.B, dial func(ctx context.Context, network, address string) (net.Conn, error)) {
		b.ReportAllocs()
		for b.Loop() {
			c, err := dial(context.Background(), "tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			_ = c.Close()
		}
	}
	b.Run("net.Dialer", func(b *testing.B) {
		var d net.Dialer
		run(b, d.DialContext)
	})
	b.Run("no caps", func(b *testing.B) {
		d, _ := netguard.NewDialer(netguard.DialerOptions{AllowPrivate: true})
		run(b, d.DialContext)
	})
	b.Run("memory semaphore", func(b *testing.B) {
		sem, _ := ratelimit.NewMemorySemaphore(ratelimit.SemaphoreOptions{})
		d, _ := netguard.NewDialer(netguard.DialerOptions{AllowPrivate: true, Semaphore: netguard.SemaphoreOf(sem), MaxPerHost: 100, MaxPerMailbox: 4})
		run(b, d.Mailbox("alice@imap.example.com"))
	})
	b.Run("redis semaphore", func(b *testing.B) {
		url, prefix := redistest.Prefix(b, "netguard")
		opt, err := redis.ParseURL(url)
		if err != nil {
			b.Fatal(err)
		}
		rdb := redis.NewClient(opt)
		b.Cleanup(func() { _ = rdb.Close() })
		sem, _ := ratelimit.NewRedisSemaphore(rdb, ratelimit.SemaphoreOptions{Prefix: prefix})
		d, _ := netguard.NewDialer(netguard.DialerOptions{AllowPrivate: true, Semaphore: netguard.SemaphoreOf(sem), MaxPerHost: 100, MaxPerMailbox: 4})
		run(b, d.Mailbox("alice@imap.example.com"))
	})
}
