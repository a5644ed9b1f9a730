package lease

import (
	"context"
	"sync"
	"time"
)

// MemoryStore keeps leases in this process: for one process (embedded
// mode) and tests. The zero value is not usable; call NewMemoryStore.
type MemoryStore struct {
	mu     sync.Mutex
	now    func() time.Time
	leases map[string]held
	owners map[string]time.Time
}

type held struct {
	owner string
	until time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{now: time.Now, leases: map[string]held{}, owners: map[string]time.Time{}}
}

// Acquire implements Store.
func (s *MemoryStore) Acquire(_ context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if err := check(owner, ttl, key); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if h, ok := s.leases[key]; ok && h.owner != owner && now.Before(h.until) {
		return false, nil
	}
	s.leases[key] = held{owner: owner, until: now.Add(ttl)}
	return true, nil
}

// Renew implements Store.
func (s *MemoryStore) Renew(_ context.Context, keys []string, owner string, ttl time.Duration) ([]string, error) {
	if err := check(owner, ttl, keys...); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var lost []string
	for _, k := range keys {
		h, ok := s.leases[k]
		if !ok || h.owner != owner || !now.Before(h.until) {
			lost = append(lost, k)
			continue
		}
		s.leases[k] = held{owner: owner, until: now.Add(ttl)}
	}
	return lost, nil
}

// Release implements Store.
func (s *MemoryStore) Release(_ context.Context, key, owner string) error {
	if err := check(owner, time.Second, key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.leases[key]; ok && h.owner == owner {
		delete(s.leases, key)
	}
	return nil
}

// Heartbeat implements Store.
func (s *MemoryStore) Heartbeat(_ context.Context, owner string, ttl time.Duration) (int, error) {
	if err := check(owner, ttl); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.owners[owner] = now.Add(ttl)
	for o, until := range s.owners {
		if !now.Before(until) {
			delete(s.owners, o)
		}
	}
	return len(s.owners), nil
}
