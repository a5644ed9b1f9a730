package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Semaphore limits how many operations on a key run at once, such as
// Microsoft Graph's 4 concurrent requests per app per mailbox: a rate
// limit cannot express that. A holder takes a slot with a Lease and gives
// it back with Release; a lease also expires on its own after the
// semaphore's LeaseTTL, so a holder that crashed frees its slot. A holder
// whose work may outlast the TTL calls Extend.
//
// The RedisSemaphore (shared by every replica) and the MemorySemaphore
// (one process) implement it; ratelimittest.RunSemaphore is the
// conformance suite both pass. Both fail closed: without Redis a
// RedisSemaphore acquires nothing and returns the error.
type Semaphore interface {
	// TryAcquire takes one of the slots of key, if one is free. It
	// returns ok false, and no error, when all are taken.
	TryAcquire(ctx context.Context, key string, slots int) (lease *Lease, ok bool, err error)
	// Acquire takes one of the slots of key, waiting until one is free or
	// ctx is done (then it returns ctx's error).
	Acquire(ctx context.Context, key string, slots int) (*Lease, error)
}

// ErrLeaseLost is returned by Lease.Release and Lease.Extend when the
// lease had already expired (its slot may be someone else's now) or been
// released.
var ErrLeaseLost = errors.New("ratelimit: lease lost")

// Defaults of SemaphoreOptions.
const (
	DefaultLeaseTTL     = 30 * time.Second
	DefaultPollInterval = 50 * time.Millisecond
)

// SemaphoreOptions configures a RedisSemaphore or a MemorySemaphore. The
// zero value is valid.
type SemaphoreOptions struct {
	// Prefix starts every key of a RedisSemaphore (default DefaultPrefix):
	// Prefix:{key}:concurrency, in the hash slot of the key's rate limits.
	// It must not contain '{' or '}'.
	Prefix string
	// LeaseTTL is how long a lease lasts unless extended (default
	// DefaultLeaseTTL). Pick it longer than the operations it guards: a
	// lease that expires under a live holder lets one more in.
	LeaseTTL time.Duration
	// PollInterval is how often a RedisSemaphore's Acquire tries again
	// while every slot is taken (default DefaultPollInterval); it also
	// tries when the earliest lease expires. A MemorySemaphore is woken by
	// releases instead.
	PollInterval time.Duration
	// Clock is the time source of a MemorySemaphore (default: the system
	// clock). A RedisSemaphore uses Redis's clock.
	Clock Clock
}

func (o SemaphoreOptions) withDefaults() (SemaphoreOptions, error) {
	switch {
	case strings.ContainsAny(o.Prefix, "{}"):
		return o, fmt.Errorf("ratelimit: SemaphoreOptions.Prefix %q must not contain '{' or '}'", o.Prefix)
	case o.LeaseTTL < 0:
		return o, fmt.Errorf("ratelimit: SemaphoreOptions.LeaseTTL must not be negative, got %v", o.LeaseTTL)
	case o.LeaseTTL > 0 && o.LeaseTTL < time.Millisecond:
		return o, fmt.Errorf("ratelimit: SemaphoreOptions.LeaseTTL must be at least 1ms, got %v", o.LeaseTTL)
	case o.PollInterval < 0:
		return o, fmt.Errorf("ratelimit: SemaphoreOptions.PollInterval must not be negative, got %v", o.PollInterval)
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.LeaseTTL == 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	return o, nil
}

// Lease is a slot taken from a Semaphore. Its methods are safe for
// concurrent use.
type Lease struct {
	// Key is the semaphore's key.
	Key string
	// ID tells the lease apart from the other holders of the key.
	ID    string
	store leaseStore
}

// leaseStore is what a Lease calls back into.
type leaseStore interface {
	release(ctx context.Context, key, id string) (bool, error)
	extend(ctx context.Context, key, id string) (bool, error)
}

// Release gives the slot back. It returns ErrLeaseLost when the lease had
// expired or was released already.
func (l *Lease) Release(ctx context.Context) error {
	ok, err := l.store.release(ctx, l.Key, l.ID)
	if err == nil && !ok {
		err = ErrLeaseLost
	}
	return err
}

// Extend renews the lease for the semaphore's LeaseTTL from now. It
// returns ErrLeaseLost when the lease had expired or was released.
func (l *Lease) Extend(ctx context.Context) error {
	ok, err := l.store.extend(ctx, l.Key, l.ID)
	if err == nil && !ok {
		err = ErrLeaseLost
	}
	return err
}

func checkSlots(key string, slots int) error {
	if key == "" {
		return errEmptyKey
	}
	if slots < 1 {
		return fmt.Errorf("ratelimit: semaphore slots must be at least 1, got %d", slots)
	}
	return nil
}

func newLeaseID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
