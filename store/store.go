package store

import (
	"context"
	"errors"
)

// Store is everything the service persists. store/memory and
// store/postgres implement it; store/storetest is the contract both pass.
//
// Every method that reads or writes a tenant's data takes the tenant id
// and treats another tenant's rows as missing: asking for a foreign id
// returns ErrNotFound, never a different error.
type Store interface {
	IntegrationStore
	SyncStore
	MessageStore
	MessageUpdater
	OutboxStore
	EventStore
	OAuthStateStore
	SubscriptionStore

	// Ping checks that the store is reachable.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// Errors returned by every Store. Test with errors.Is.
var (
	// ErrNotFound: no such row for this tenant.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the row changed under the caller (a stale sync cursor
	// version, a concurrent update).
	ErrConflict = errors.New("store: conflict")
	// ErrIdempotencyConflict: an idempotency key was reused with a
	// different request. It is also an ErrConflict.
	ErrIdempotencyConflict = &idempotencyConflict{}
	// ErrInvalid: the value given cannot be stored (a required field is
	// empty, a value is malformed). The error's text names the field.
	ErrInvalid = errors.New("store: invalid value")
	// ErrInvalidCursor: a pagination cursor was not one this store
	// issued.
	ErrInvalidCursor = errors.New("store: invalid pagination cursor")
)

type idempotencyConflict struct{}

// Error describes the conflict.
func (*idempotencyConflict) Error() string {
	return "store: idempotency key reused with a different request"
}

// Is makes ErrIdempotencyConflict an ErrConflict too.
func (*idempotencyConflict) Is(target error) bool { return target == ErrConflict }
