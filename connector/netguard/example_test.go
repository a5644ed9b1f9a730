package netguard_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/ucsp/integration/connector/netguard"
	"github.com/ucsp/integration/ratelimit"
)

// A dialer that allows one connection at a time per mailbox, its slots
// in a ratelimit semaphore (a RedisSemaphore would share them among
// processes).
func ExampleDialer_Mailbox() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()

	sem, _ := ratelimit.NewMemorySemaphore(ratelimit.SemaphoreOptions{})
	d, _ := netguard.NewDialer(netguard.DialerOptions{
		AllowPrivate:  true, // the example's server is on loopback
		Semaphore:     netguard.SemaphoreOf(sem),
		MaxPerMailbox: 1,
	})
	dial := d.Mailbox("alice@imap.example.com")
	first, _ := dial(context.Background(), "tcp", ln.Addr().String())

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := dial(ctx, "tcp", ln.Addr().String())
	fmt.Println(errors.Is(err, netguard.ErrTooManyConnections))

	_ = first.Close()
	second, err := dial(context.Background(), "tcp", ln.Addr().String())
	fmt.Println(err)
	_ = second.Close()
	// Output:
	// true
	// <nil>
}
