package lease

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Balancer holds a fair share of the keys List names and runs Work for
// each key it holds, in a goroutine of its own, until the lease is lost,
// the key is no longer listed, the share shrinks or Run ends.
//
// Every TTL/3 it: heartbeats (counting the live processes, n); renews
// its leases and stops the work of those it lost, and of any whose lease
// it could not confirm for 2/3 of TTL (so that work never outlives its
// lease by much, even when the Store is unreachable); stops and releases
// the keys no longer listed; releases keys above its share,
// ceil(keys/n); and acquires unheld keys, in random order, up to its
// share. A process that dies stops renewing: its leases lapse within
// TTL and the others take them at their next round, so a key is worked
// on again within TTL + TTL/3.
type Balancer struct {
	// Store keeps the leases; Owner names this process (unique per
	// process: a hostname and a random suffix).
	Store Store
	Owner string
	// TTL is the lease time (default 15 s).
	TTL time.Duration
	// List returns the keys that should be worked on.
	List func(ctx context.Context) ([]string, error)
	// Work runs while this process holds key; it must return soon after
	// ctx is done.
	Work func(ctx context.Context, key string)
	// Logger, if set, is told about Store failures.
	Logger *slog.Logger

	mu      sync.Mutex
	running map[string]*job
	wg      sync.WaitGroup
}

type job struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when Work returned
	// valid is when the lease was last confirmed, plus TTL.
	valid time.Time
}

func (b *Balancer) ttl() time.Duration {
	if b.TTL <= 0 {
		return 15 * time.Second
	}
	return b.TTL
}

// Run balances until ctx is done, then stops all work, waits for it and
// releases its leases.
func (b *Balancer) Run(ctx context.Context) error {
	tick := time.NewTicker(b.ttl() / 3)
	defer tick.Stop()
	for {
		b.Round(ctx)
		select {
		case <-ctx.Done():
			b.stopAll()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Held returns the keys this process works on now, sorted.
func (b *Balancer) Held() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	keys := make([]string, 0, len(b.running))
	for k := range b.running {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Round is one balancing round (Run calls it every TTL/3).
func (b *Balancer) Round(ctx context.Context) {
	ttl := b.ttl()
	n, err := b.Store.Heartbeat(ctx, b.Owner, ttl)
	if err != nil {
		b.warn("heartbeat", err)
		n = 1
	}
	now := time.Now()
	held := b.Held()
	lost, err := b.Store.Renew(ctx, held, b.Owner, ttl)
	if err != nil {
		b.warn("renew", err)
		// Unconfirmed: stop what may lapse before the next round.
		b.mu.Lock()
		for k, j := range b.running {
			if now.Add(ttl / 3).After(j.valid.Add(-ttl / 3)) {
				b.stopLocked(k)
			}
		}
		b.mu.Unlock()
		return
	}
	b.mu.Lock()
	for _, k := range held {
		if j := b.running[k]; j != nil {
			j.valid = now.Add(ttl)
		}
	}
	for _, k := range lost {
		b.stopLocked(k)
	}
	b.mu.Unlock()

	keys, err := b.List(ctx)
	if err != nil {
		b.warn("list", err)
		return
	}
	listed := make(map[string]bool, len(keys))
	for _, k := range keys {
		listed[k] = true
	}
	for _, k := range b.Held() {
		if !listed[k] {
			b.release(ctx, k)
		}
	}
	share := (len(keys) + n - 1) / max(n, 1)
	held = b.Held()
	for len(held) > share {
		k := held[len(held)-1]
		held = held[:len(held)-1]
		b.release(ctx, k)
	}
	if len(held) >= share {
		return
	}
	mine := make(map[string]bool, len(held))
	for _, k := range held {
		mine[k] = true
	}
	rand.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	for _, k := range keys {
		if len(held) >= share || ctx.Err() != nil {
			return
		}
		if mine[k] {
			continue
		}
		ok, err := b.Store.Acquire(ctx, k, b.Owner, ttl)
		if err != nil {
			b.warn("acquire", err)
			return
		}
		if ok {
			b.start(ctx, k, time.Now().Add(ttl))
			held = append(held, k)
		}
	}
}

func (b *Balancer) start(ctx context.Context, key string, valid time.Time) {
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.mu.Lock()
	if b.running == nil {
		b.running = map[string]*job{}
	}
	j := &job{cancel: cancel, done: make(chan struct{}), valid: valid}
	b.running[key] = j
	b.mu.Unlock()
	b.wg.Go(func() {
		defer close(j.done)
		b.Work(wctx, key)
	})
}

// stopLocked cancels key's work and forgets it; it returns the job, nil
// when there was none.
func (b *Balancer) stopLocked(key string) *job {
	j := b.running[key]
	if j != nil {
		j.cancel()
		delete(b.running, key)
	}
	return j
}

// release stops key's work, waits for it to return and then gives the
// lease up, so that no other process starts on key while it still runs.
func (b *Balancer) release(ctx context.Context, key string) {
	b.mu.Lock()
	j := b.stopLocked(key)
	b.mu.Unlock()
	if j != nil {
		<-j.done
	}
	if err := b.Store.Release(ctx, key, b.Owner); err != nil {
		b.warn("release", err)
	}
}

// stopAll stops all work, waits for it, and releases the leases.
func (b *Balancer) stopAll() {
	b.mu.Lock()
	keys := make([]string, 0, len(b.running))
	for k, j := range b.running {
		j.cancel()
		keys = append(keys, k)
	}
	b.running = map[string]*job{}
	b.mu.Unlock()
	b.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, k := range keys {
		if err := b.Store.Release(ctx, k, b.Owner); err != nil {
			b.warn("release", err)
		}
	}
}

func (b *Balancer) warn(op string, err error) {
	if b.Logger != nil {
		b.Logger.Warn("lease: "+op+" failed", "owner", b.Owner, "error", err)
	}
}
