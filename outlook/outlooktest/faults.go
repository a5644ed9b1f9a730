package outlooktest

import (
	"net/http"
	"strings"
	"time"
)

// Fault is an error or a delay the server injects into API calls, to
// test how a client copes with throttling, outages and slowness.
type Fault struct {
	// Op limits the fault to one call ("delta", "messages.value",
	// "sendMail", "me", ...; see Request.Op); "" means any.
	Op string
	// User limits the fault to one mailbox's calls; "" means any.
	User string
	// Status is the HTTP status to answer with (429, 503, 500, 401, 404,
	// 410, ...); 0 answers the call normally, after Delay.
	Status int
	// Code is error.code of the answer; "" means Graph's usual code for
	// Status.
	Code string
	// Message is error.message; "" means a generic one.
	Message string
	// RetryAfter is sent as a Retry-After header in whole seconds
	// (rounded up); 429 and 503 without it carry "Retry-After: 0".
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
func (s *Server) takeFault(op, user string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.Take(func(f *Fault) bool {
		return (f.Op == "" || f.Op == op) && (f.User == "" || strings.EqualFold(f.User, user))
	})
}

func (f *Fault) graphError() graphError {
	e := graphError{status: f.Status, code: f.Code, message: f.Message, retryAfter: f.RetryAfter}
	if e.code == "" {
		e.code = defaultCode(f.Status)
	}
	if e.message == "" {
		e.message = http.StatusText(f.Status)
	}
	return e
}

// defaultCode is Graph's usual error code for an HTTP status.
func defaultCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BadRequest"
	case http.StatusUnauthorized:
		return "InvalidAuthenticationToken"
	case http.StatusForbidden:
		return "ErrorAccessDenied"
	case http.StatusNotFound:
		return CodeItemNotFound
	case http.StatusGone:
		return CodeSyncStateNotFound
	case http.StatusTooManyRequests:
		return CodeTooManyRequests
	case http.StatusServiceUnavailable:
		return CodeServiceUnavailable
	case http.StatusGatewayTimeout:
		return "GatewayTimeout"
	default:
		return "generalException"
	}
}
