package gmailtest

import "time"

// Fault is an error or a delay the server injects into API calls, to
// test how a client copes with throttling, outages and slowness.
type Fault struct {
	// Method limits the fault to one API method ("messages.get",
	// "history.list", ...); "" means any.
	Method string
	// User limits the fault to one user's calls; "" means any.
	User string
	// Status is the HTTP status to answer with (429, 500, 503, 401,
	// 403, ...); 0 answers the call normally, after Delay.
	Status int
	// Reason is errors[0].reason of the answer ("rateLimitExceeded",
	// "userRateLimitExceeded", "backendError", ...); "" means Google's
	// usual reason for Status.
	Reason string
	// Message is the error message; "" means Google's usual wording.
	Message string
	// RetryAfter, when set, is sent as a Retry-After header (in whole
	// seconds, rounded up).
	RetryAfter time.Duration
	// Delay is how long the server waits before answering.
	Delay time.Duration
	// Times is how many matching calls the fault hits: 0 means 1, a
	// negative number every call until ClearFaults.
	Times int
}

// InjectFault adds f: the next matching calls fail (or are slowed) as it
// says. Faults apply in the order they were added.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Add(f, f.Times)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Clear()
}

// takeFault returns the first fault matching a call, using it up.
func (s *Server) takeFault(method, user string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.Take(func(f *Fault) bool {
		return (f.Method == "" || f.Method == method) && (f.User == "" || sameUser(f.User, user))
	})
}
