package ratelimit

import (
	"context"
	"sync"
	"time"
)

// MemorySemaphore is a Semaphore in the process, for a single replica,
// embedded mode and tests.
type MemorySemaphore struct {
	clock Clock
	ttl   time.Duration
	mu    sync.Mutex
	keys  map[string]*memSlots
}

type memSlots struct {
	leases map[string]time.Time // lease ID → expiry
	freed  chan struct{}        // closed, and replaced, when a slot is released
}

// NewMemorySemaphore returns a MemorySemaphore, or an error naming the
// option that is invalid. Prefix and PollInterval do not apply.
func NewMemorySemaphore(opts SemaphoreOptions) (*MemorySemaphore, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &MemorySemaphore{clock: opts.Clock, ttl: opts.LeaseTTL, keys: make(map[string]*memSlots)}, nil
}

// TryAcquire takes one of the slots of key if one is free; see Semaphore.
func (s *MemorySemaphore) TryAcquire(ctx context.Context, key string, slots int) (*Lease, bool, error) {
	lease, _, _, err := s.try(ctx, key, slots)
	return lease, lease != nil, err
}

// Acquire takes a slot of key, waiting for a release or an expiry; see
// Semaphore.
func (s *MemorySemaphore) Acquire(ctx context.Context, key string, slots int) (*Lease, error) {
	for {
		lease, next, freed, err := s.try(ctx, key, slots)
		if err != nil || lease != nil {
			return lease, err
		}
		select {
		case <-freed:
		case <-s.clock.After(next):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// try takes a slot, or says when the earliest lease expires and which
// channel a release closes.
func (s *MemorySemaphore) try(ctx context.Context, key string, slots int) (*Lease, time.Duration, <-chan struct{}, error) {
	if err := checkSlots(key, slots); err != nil {
		return nil, 0, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, nil, err
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	held := s.keys[key]
	if held == nil {
		held = &memSlots{leases: make(map[string]time.Time), freed: make(chan struct{})}
		s.keys[key] = held
	}
	earliest := now.Add(s.ttl)
	for id, exp := range held.leases {
		if !exp.After(now) {
			delete(held.leases, id)
		} else if exp.Before(earliest) {
			earliest = exp
		}
	}
	if len(held.leases) < slots {
		id := newLeaseID()
		held.leases[id] = now.Add(s.ttl)
		return &Lease{Key: key, ID: id, store: s}, 0, nil, nil
	}
	return nil, earliest.Sub(now), held.freed, nil
}

func (s *MemorySemaphore) release(_ context.Context, key, id string) (bool, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	held := s.keys[key]
	if held == nil {
		return false, nil
	}
	exp, ok := held.leases[id]
	delete(held.leases, id)
	close(held.freed)
	held.freed = make(chan struct{})
	if len(held.leases) == 0 {
		delete(s.keys, key)
	}
	return ok && exp.After(now), nil
}

func (s *MemorySemaphore) extend(_ context.Context, key, id string) (bool, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	held := s.keys[key]
	if held == nil {
		return false, nil
	}
	exp, ok := held.leases[id]
	if !ok || !exp.After(now) {
		delete(held.leases, id)
		return false, nil
	}
	held.leases[id] = now.Add(s.ttl)
	return true, nil
}
