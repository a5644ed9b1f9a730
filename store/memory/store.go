package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/secrets"
)

var _ store.Store = (*Store)(nil)

// ErrClosed is returned by every method of a Store after Close.
var ErrClosed = errors.New("memory: store is closed")

// Options configures a Store. The zero value is ready to use.
type Options struct {
	// Keyring seals credentials, PKCE verifiers and push subscriptions'
	// client states. Nil means a keyring with one random key made by
	// secrets.GenerateKeyring: what it seals cannot be opened by another
	// process, which is no loss for a store that keeps nothing after the
	// process ends.
	Keyring *secrets.Keyring
	// Now is the clock the store reads for the times it records
	// (CreatedAt, UpdatedAt, a redelivered event's next attempt, ...).
	// Nil means time.Now. Tests set it to control time.
	Now func() time.Time
}

// Store is a store.Store held in memory. Create one with New; it is safe
// for concurrent use.
type Store struct {
	keyring *secrets.Keyring
	clock   func() time.Time

	mu sync.RWMutex
	t  *tables // nil once closed
}

// New returns an empty Store configured by opts.
func New(opts Options) (*Store, error) {
	ring := opts.Keyring
	if ring == nil {
		var err error
		if ring, err = secrets.GenerateKeyring(); err != nil {
			return nil, fmt.Errorf("memory: generate a keyring: %w", err)
		}
	}
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	return &Store{keyring: ring, clock: clock, t: newTables()}, nil
}

// Ping reports ErrClosed after Close, and nil before.
func (s *Store) Ping(ctx context.Context) error {
	return s.read(ctx, func(*tables) error { return nil })
}

// Close drops everything the store holds. Later calls of any method
// return ErrClosed; closing again is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.t = nil
	return nil
}

// now returns the store's clock reading as it records times.
func (s *Store) now() time.Time { return storedTime(s.clock()) }

// read runs fn with the store's data under the read lock.
func (s *Store) read(ctx context.Context, fn func(t *tables) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.t == nil {
		return ErrClosed
	}
	return fn(s.t)
}

// write runs fn with the store's data under the write lock. fn validates
// everything before it changes anything, so that an error leaves the
// data as it was.
func (s *Store) write(ctx context.Context, fn func(t *tables) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t == nil {
		return ErrClosed
	}
	return fn(s.t)
}
