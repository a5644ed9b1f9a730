package webhook

import (
	"context"
	"time"
)

// ReplayStore remembers the deliveries a verifier has served, so that each
// is served once: MemoryReplayStore for one process, RedisReplayStore for
// replicas that share the work. The replaytest package holds the contract
// every implementation passes.
type ReplayStore interface {
	// Remember records key for ttl and reports whether it is the first
	// to do so: false when key was remembered less than ttl ago (by this
	// call's peers too) and not forgotten since.
	Remember(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
	// Forget removes key, so that the next Remember of it is first again.
	// The verifiers' middleware calls it when the next handler failed, so
	// that the sender's retry is served.
	Forget(ctx context.Context, key string) error
}
