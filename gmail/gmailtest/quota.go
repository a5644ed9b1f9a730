package gmailtest

import (
	"net/http"
	"time"
)

// unitLog is what one user spent, in time order.
type unitLog struct {
	entries  []unitEntry
	total    int
	byMethod map[string]int
}

type unitEntry struct {
	at    time.Time
	units int
}

// charge counts method's cost against user, or refuses the call with 429
// rateLimitExceeded when Options.UserQuota would be exceeded.
func (s *Server) charge(user, method string) *apiError {
	cost, ok := s.opts.Costs[method]
	if !ok {
		cost = 5
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	log := s.units[user]
	if log == nil {
		log = &unitLog{byMethod: map[string]int{}}
		s.units[user] = log
	}
	if q := s.opts.UserQuota; q > 0 {
		spent, oldest := 0, time.Time{}
		for i := len(log.entries) - 1; i >= 0; i-- {
			e := log.entries[i]
			if now.Sub(e.at) >= s.opts.QuotaWindow {
				break
			}
			spent += e.units
			oldest = e.at
		}
		if spent+cost > q {
			wait := s.opts.QuotaWindow - now.Sub(oldest)
			return &apiError{code: http.StatusTooManyRequests, reason: ReasonRateLimitExceeded,
				message: "User-rate limit exceeded.  Retry after " + now.Add(wait).UTC().Format(time.RFC3339), retryAfter: wait}
		}
	}
	log.entries = append(log.entries, unitEntry{at: now, units: cost})
	log.total += cost
	log.byMethod[method] += cost
	return nil
}

// MethodUnits returns the quota units user's calls of method
// ("messages.batchModify") have spent so far, counted as Units counts
// them.
func (s *Server) MethodUnits(user, method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if log := s.units[normUser(user)]; log != nil {
		return log.byMethod[method]
	}
	return 0
}

// Units returns the quota units user's calls have spent so far (calls
// refused for quota or failed by an injected fault cost nothing).
func (s *Server) Units(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if log := s.units[normUser(user)]; log != nil {
		return log.total
	}
	return 0
}

// MaxUnitsPerWindow returns the most units user spent within any
// QuotaWindow (a minute by default): compare it with the quota a client
// must stay under.
func (s *Server) MaxUnitsPerWindow(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := s.units[normUser(user)]
	if log == nil {
		return 0
	}
	best, sum, j := 0, 0, 0
	for _, e := range log.entries {
		sum += e.units
		for e.at.Sub(log.entries[j].at) >= s.opts.QuotaWindow {
			sum -= log.entries[j].units
			j++
		}
		best = max(best, sum)
	}
	return best
}
