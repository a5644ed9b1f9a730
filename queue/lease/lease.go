// Package lease spreads long-running work (one IMAP IDLE watcher per
// integration, say) over the processes of a deployment: each piece of
// work is held by exactly one live process through a lease that process
// renews while it runs, and moves to another within a lease time of its
// holder dying.
//
// A Store keeps the leases (RedisStore across processes, MemoryStore in
// one) and the heartbeats by which processes count each other; a
// Balancer runs in each process, takes its fair share of the keys a list
// function names, runs a function per key it holds and stops it when the
// lease is lost, the key disappears, or the share shrinks.
//
// A Store alone is also a lock across processes with a time limit:
// Acquire a key, do the work, Release it; a holder that dies releases it
// by letting it lapse. connector/oauthtokens serialises OAuth token
// refreshes per integration this way, and connector/syncrun's watchers
// run on a Balancer.
//
// It is not a consensus protocol: a holder cut off from the Store for
// longer than its lease may overlap for a moment with the next one
// (Balancer stops work whose lease it could not confirm for 2/3 of the
// TTL to keep that moment short). Work that must never overlap fences
// its writes as well (store.SyncCommit's version, for instance).
package lease

import (
	"context"
	"errors"
	"time"
)

// Store keeps leases and heartbeats. Keys and owners are opaque strings;
// a Store may add a prefix of its own.
type Store interface {
	// Acquire gives key to owner for ttl unless another owner holds it;
	// it reports whether owner holds key now (renewed, when it already
	// did).
	Acquire(ctx context.Context, key, owner string, ttl time.Duration) (bool, error)
	// Renew extends for ttl each of keys that owner still holds and
	// returns those it no longer holds (expired, or taken by another).
	Renew(ctx context.Context, keys []string, owner string, ttl time.Duration) (lost []string, err error)
	// Release gives key up if owner holds it.
	Release(ctx context.Context, key, owner string) error
	// Heartbeat records owner as alive for ttl and returns how many
	// owners are alive, owner included.
	Heartbeat(ctx context.Context, owner string, ttl time.Duration) (int, error)
}

// ErrInvalid is returned for an empty key or owner, or a ttl under a
// millisecond.
var ErrInvalid = errors.New("lease: invalid argument")

func check(owner string, ttl time.Duration, keys ...string) error {
	if owner == "" || ttl < time.Millisecond {
		return ErrInvalid
	}
	for _, k := range keys {
		if k == "" {
			return ErrInvalid
		}
	}
	return nil
}
