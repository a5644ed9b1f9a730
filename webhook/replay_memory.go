package webhook

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"
)

// MemoryReplayStore is a ReplayStore in this process's memory, for a
// service that runs as one process (and for tests). Keys are dropped as
// they expire, during later calls: it starts no goroutine. It is safe for
// concurrent use; the zero value is not usable, call NewMemoryReplayStore.
type MemoryReplayStore struct {
	mu      sync.Mutex
	now     func() time.Time
	expires map[string]time.Time
	queue   expiryQueue
}

// NewMemoryReplayStore returns an empty MemoryReplayStore.
func NewMemoryReplayStore() *MemoryReplayStore {
	return &MemoryReplayStore{now: time.Now, expires: make(map[string]time.Time)}
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
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(now)
	if _, seen := m.expires[key]; seen {
		return false, nil
	}
	exp := now.Add(ttl)
	m.expires[key] = exp
	heap.Push(&m.queue, expiry{key: key, at: exp})
	return true, nil
}

// Forget removes key; see ReplayStore.
func (m *MemoryReplayStore) Forget(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.expires, key)
	m.mu.Unlock()
	return nil
}

// Len returns how many keys are remembered and not yet expired.
func (m *MemoryReplayStore) Len() int {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(now)
	return len(m.expires)
}

// expire drops the keys whose time has come. A key forgotten and
// remembered again has a newer expiry than its old queue entry, which is
// then skipped.
func (m *MemoryReplayStore) expire(now time.Time) {
	for len(m.queue) > 0 && !m.queue[0].at.After(now) {
		e := heap.Pop(&m.queue).(expiry)
		if at, ok := m.expires[e.key]; ok && !at.After(e.at) {
			delete(m.expires, e.key)
		}
	}
}

type expiry struct {
	key string
	at  time.Time
}

// expiryQueue is a min-heap of expiries.
type expiryQueue []expiry

// Len, Less, Swap, Push and Pop implement heap.Interface.
func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q expiryQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }

// Push appends x, for heap.Push.
func (q *expiryQueue) Push(x any) { *q = append(*q, x.(expiry)) }

// Pop removes the last element, for heap.Pop.
func (q *expiryQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}
