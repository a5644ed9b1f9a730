package session

import (
	"context"
	"sync"
	"time"
)

// MemoryStore keeps sessions in this process (embedded mode, tests).
// The zero value is ready to use.
type MemoryStore struct {
	mu       sync.Mutex
	sessions map[string]memorySession
}

type memorySession struct{ end, idle time.Time }

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

// Put implements Store; it also forgets the sessions that have expired.
func (s *MemoryStore) Put(_ context.Context, key string, now, end, idle time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions == nil {
		s.sessions = map[string]memorySession{}
	}
	for k, v := range s.sessions {
		if !v.live(now) {
			delete(s.sessions, k)
		}
	}
	s.sessions[key] = memorySession{end: end, idle: idle}
	return nil
}

// Touch implements Store.
func (s *MemoryStore) Touch(_ context.Context, key string, now, idle time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.sessions[key]
	if !ok {
		return false, nil
	}
	if !v.live(now) {
		delete(s.sessions, key)
		return false, nil
	}
	if idle.After(v.end) {
		idle = v.end
	}
	v.idle = idle
	s.sessions[key] = v
	return true, nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, key)
	return nil
}

// Len returns how many sessions the store holds, expired ones that it
// has not forgotten yet included.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

func (v memorySession) live(now time.Time) bool { return now.Before(v.end) && now.Before(v.idle) }
