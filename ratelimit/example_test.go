package ratelimit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/ratelimit/ratelimittest"
)

// A tenant limited per second and per minute: the burst of the per-second
// limit goes first.
func Example() {
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	perSecond := ratelimit.PerSecond(2)
	perMinute := ratelimit.PerMinute(100)
	for range 3 {
		res, err := lim.Allow(ctx, "tenant-42", perSecond, perMinute)
		if err != nil {
			panic(err)
		}
		fmt.Printf("allowed=%v remaining=%d limit=%s\n", res.Allowed, res.Remaining, res.Limit.EffectiveName())
	}
	// Output:
	// allowed=true remaining=1 limit=1s
	// allowed=true remaining=0 limit=1s
	// allowed=false remaining=0 limit=1s
}

// Gmail's per-user quota counts units: a send costs 100 of 6,000 a minute.
func ExampleQuota() {
	clock := ratelimittest.NewFakeClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{Clock: clock})
	if err != nil {
		panic(err)
	}
	quota := ratelimit.GmailUserQuota()
	ctx := context.Background()
	for _, op := range []string{"messages.send", "messages.get", "history.list"} {
		res, err := lim.AllowN(ctx, "alice@example.com", quota.Cost(op), quota.Limit)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s costs %d: %d units left\n", op, quota.Cost(op), res.Remaining)
	}
	// Output:
	// messages.send costs 100: 900 units left
	// messages.get costs 5: 895 units left
	// history.list costs 2: 893 units left
}

// Middleware limits an API by tenant and tier, and says so in headers.
func ExampleMiddleware() {
	clock := ratelimittest.NewFakeClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)) // time stands still in this example
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{Clock: clock})
	if err != nil {
		panic(err)
	}
	tiers, err := ratelimit.ParseTiers("free: 1/s, 100/d; pro: 10/s burst=20, 10000/d")
	if err != nil {
		panic(err)
	}
	mw, err := ratelimit.Middleware(lim, ratelimit.MiddlewareOptions{
		Tiers: tiers,
		Key: func(r *http.Request) (string, string) {
			return r.Header.Get("X-Tenant"), r.Header.Get("X-Plan") // from a verified token in real life
		},
	})
	if err != nil {
		panic(err)
	}
	api := mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") }))
	for range 2 {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/integrations", nil)
		r.Header.Set("X-Tenant", "acme")
		r.Header.Set("X-Plan", "free")
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		fmt.Println(w.Code)
		for _, h := range []string{"RateLimit-Policy", "RateLimit", "Retry-After", "Content-Type"} {
			if v := w.Header().Get(h); v != "" {
				fmt.Printf("  %s: %s\n", h, v)
			}
		}
	}
	// Output:
	// 200
	//   RateLimit-Policy: "1s";q=1;w=1, "1d";q=100;w=86400
	//   RateLimit: "1s";r=0;t=1
	//   Content-Type: text/plain; charset=utf-8
	// 429
	//   RateLimit-Policy: "1s";q=1;w=1, "1d";q=100;w=86400
	//   RateLimit: "1s";r=0;t=1
	//   Retry-After: 1
	//   Content-Type: application/problem+json
}

// Graph allows 4 requests in flight per mailbox: a fifth waits for a slot.
func ExampleSemaphore() {
	sem, err := ratelimit.NewMemorySemaphore(ratelimit.SemaphoreOptions{LeaseTTL: time.Minute})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	var leases []*ratelimit.Lease
	for range ratelimit.GraphMailboxConcurrency {
		lease, err := sem.Acquire(ctx, "mailbox-7", ratelimit.GraphMailboxConcurrency)
		if err != nil {
			panic(err)
		}
		leases = append(leases, lease)
	}
	_, ok, _ := sem.TryAcquire(ctx, "mailbox-7", ratelimit.GraphMailboxConcurrency)
	fmt.Println("fifth request gets a slot:", ok)
	_ = leases[0].Release(ctx)
	_, ok, _ = sem.TryAcquire(ctx, "mailbox-7", ratelimit.GraphMailboxConcurrency)
	fmt.Println("after a release:", ok)
	// Output:
	// fifth request gets a slot: false
	// after a release: true
}

func ExampleParseLimit() {
	l, err := ratelimit.ParseLimit("10000/10m name=graph")
	if err != nil {
		panic(err)
	}
	fmt.Println(l.Rate, l.Period, l.EffectiveBurst(), l.EffectiveName())
	// Output: 10000 10m0s 10000 graph
}
