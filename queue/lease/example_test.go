package lease_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ucsp/integration/queue/lease"
)

// A Store as a lock across processes: one owner at a time holds a key
// until it releases it or its lease lapses. NewRedisStore gives the
// same behaviour across processes.
func ExampleStore_lock() {
	ctx := context.Background()
	locks := lease.NewMemoryStore()

	ok, _ := locks.Acquire(ctx, "oauth-refresh:42", "process-a", 30*time.Second)
	fmt.Println("a holds it:", ok)
	ok, _ = locks.Acquire(ctx, "oauth-refresh:42", "process-b", 30*time.Second)
	fmt.Println("b holds it:", ok)

	_ = locks.Release(ctx, "oauth-refresh:42", "process-a")
	ok, _ = locks.Acquire(ctx, "oauth-refresh:42", "process-b", 30*time.Second)
	fmt.Println("b holds it after a released it:", ok)
	// Output:
	// a holds it: true
	// b holds it: false
	// b holds it after a released it: true
}

// A Balancer alone in a deployment holds every listed key after one
// round, and runs Work for each until the work's context ends.
func ExampleBalancer() {
	ctx, stop := context.WithCancel(context.Background())
	started := make(chan string, 3)
	b := &lease.Balancer{
		Store: lease.NewMemoryStore(),
		Owner: "process-a",
		TTL:   15 * time.Second,
		List: func(context.Context) ([]string, error) {
			return []string{"mailbox-1", "mailbox-2", "mailbox-3"}, nil
		},
		Work: func(ctx context.Context, key string) {
			started <- key
			<-ctx.Done() // watch the mailbox until the lease is lost or Run ends
		},
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	for range 3 {
		<-started
	}
	fmt.Println("held:", b.Held())
	stop()
	fmt.Println("run:", <-done)
	fmt.Println("held after Run:", b.Held())
	// Output:
	// held: [mailbox-1 mailbox-2 mailbox-3]
	// run: context canceled
	// held after Run: []
}
