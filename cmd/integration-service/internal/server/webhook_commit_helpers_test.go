package server

// waiting returns how many deliveries of integration id wait for a
// commit.
func (l *ingestLocks) waiting(id string) int {
	s := l.stripe(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queues[id]; q != nil {
		return len(q.waiting)
	}
	return 0
}
