package custom

// Waiting returns how many deliveries of integration id wait for a
// commit.
func (s *Sources) Waiting(id string) int { return s.commits.waiting(id) }
