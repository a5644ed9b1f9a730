package netguard

import "context"

// Semaphore limits how many holders of a key run at once. A Dialer
// takes one slot of each capped key per connection and releases it when
// the connection is closed. A semaphore shared by every process
// (ratelimit.RedisSemaphore) makes the caps hold across processes; one
// of this process only (ratelimit.MemorySemaphore), within it.
type Semaphore interface {
	// Acquire takes one of the slots of key, waiting until one is free
	// or ctx is done (then it returns an error that wraps ctx's).
	Acquire(ctx context.Context, key string, slots int) (Lease, error)
}

// Lease is a slot taken from a Semaphore. If the semaphore's leases
// expire unless extended (so that a crashed holder frees its slot), the
// Dialer extends them every DialerOptions.ExtendEvery while the
// connection is open.
type Lease interface {
	Release(ctx context.Context) error
	Extend(ctx context.Context) error
}

// Acquirer is a semaphore whose Acquire returns its own lease type, such
// as ratelimit.Semaphore (whose leases are *ratelimit.Lease).
type Acquirer[L Lease] interface {
	Acquire(ctx context.Context, key string, slots int) (L, error)
}

// SemaphoreOf adapts s to Semaphore:
//
//	sem, _ := ratelimit.NewRedisSemaphore(rdb, ratelimit.SemaphoreOptions{})
//	d, _ := netguard.NewDialer(netguard.DialerOptions{Semaphore: netguard.SemaphoreOf(sem), MaxPerHost: 20})
func SemaphoreOf[L Lease](s Acquirer[L]) Semaphore { return semaphoreOf[L]{s} }

type semaphoreOf[L Lease] struct{ s Acquirer[L] }

// Acquire takes a slot of the adapted semaphore.
func (a semaphoreOf[L]) Acquire(ctx context.Context, key string, slots int) (Lease, error) {
	l, err := a.s.Acquire(ctx, key, slots)
	if err != nil {
		return nil, err
	}
	return l, nil
}
