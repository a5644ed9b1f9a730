package webhook

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"
)

// MemoryReplayStore is a ReplayStore in this process's memory, for a
// service that runs as one process (and for tests). Keys are dropped as
// they expire, during later calls: it starts no goroutine. It is safe for
// concurrent use; the zero value is not usable, call NewMemoryReplayStore.
//
// It keeps each key as the first 128 bits of its SHA-256 digest, with
// its expiry in nanoseconds: nothing it holds has a pointer for the
// garbage collector to follow, however many deliveries it remembers (a
// busy source's ten minutes can be millions). Two keys collide with a
// probability of about 2⁻¹²⁸.
type MemoryReplayStore struct {
	mu      sync.Mutex
	now     func() time.Time
	expires map[replayDigest]int64
	queue   expiryQueue
}

// replayDigest is what a MemoryReplayStore keeps of a key.
type replayDigest [16]byte

func digestKey(key string) replayDigest {
	sum := sha256.Sum256([]byte(key))
	return replayDigest(sum[:16])
}

// NewMemoryReplayStore returns an empty MemoryReplayStore.
func NewMemoryReplayStore() *MemoryReplayStore {
	return &MemoryReplayStore{now: time.Now, expires: make(map[replayDigest]int64)}
}

// errNonPositiveTTL is returned by Remember for a ttl that would remember
// nothing.
var errNonPositiveTTL = errors.New("webhook: replay ttl must be positive")

// Remember records key for ttl; see ReplayStore.
func (m *MemoryReplayStore) Remember(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, errNonPositiveTTL
	}
	d := digestKey(key)
	now := m.now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(now)
	if _, seen := m.expires[d]; seen {
		return false, nil
	}
	exp := now + int64(ttl)
	m.expires[d] = exp
	m.queue.push(expiry{key: d, at: exp})
	return true, nil
}

// Forget removes key; see ReplayStore.
func (m *MemoryReplayStore) Forget(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := digestKey(key)
	m.mu.Lock()
	delete(m.expires, d)
	m.mu.Unlock()
	return nil
}

// Len returns how many keys are remembered and not yet expired.
func (m *MemoryReplayStore) Len() int {
	now := m.now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(now)
	return len(m.expires)
}

// expire drops the keys whose time has come. A key forgotten and
// remembered again has a newer expiry than its old queue entry, which is
// then skipped.
func (m *MemoryReplayStore) expire(now int64) {
	for len(m.queue) > 0 && m.queue[0].at <= now {
		e := m.queue.pop()
		if at, ok := m.expires[e.key]; ok && at <= e.at {
			delete(m.expires, e.key)
		}
	}
}

// expiry is a key's digest and when it expires (Unix nanoseconds).
type expiry struct {
	key replayDigest
	at  int64
}

// expiryQueue is a min-heap of expiries by time, typed so that pushing
// boxes nothing.
type expiryQueue []expiry

func (q *expiryQueue) push(e expiry) {
	*q = append(*q, e)
	h := *q
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if h[parent].at <= h[i].at {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

func (q *expiryQueue) pop() expiry {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		smallest, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[l].at < h[smallest].at {
			smallest = l
		}
		if r < len(h) && h[r].at < h[smallest].at {
			smallest = r
		}
		if smallest == i {
			break
		}
		h[i], h[smallest] = h[smallest], h[i]
		i = smallest
	}
	*q = h
	return top
}
