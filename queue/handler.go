package queue

import (
	"context"
	"fmt"
	"sync"
)

// Handler runs jobs. A nil error acknowledges the job; an error fails the
// run, and the job is retried with backoff until its MaxAttempts, then
// dead-lettered. Errors wrapping ErrSkipRetry dead-letter at once; a
// RetryAtError sets the time of the next attempt.
//
// A job is delivered at least once: after a crash it may run again even
// though an earlier run finished, so handlers make their effects
// idempotent. The context is cancelled at the job's timeout and when the
// worker shuts down.
type Handler interface {
	ProcessJob(ctx context.Context, job *Job) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, job *Job) error

// ProcessJob calls f.
func (f HandlerFunc) ProcessJob(ctx context.Context, job *Job) error { return f(ctx, job) }

// Middleware wraps a Handler, as net/http middleware wraps an
// http.Handler.
type Middleware func(Handler) Handler

// Chain applies middleware to h, the first one outermost.
func Chain(h Handler, mw ...Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Mux routes jobs to handlers by type. The zero Mux is empty and ready to
// use; it is safe for concurrent use.
type Mux struct {
	mu       sync.RWMutex
	handlers map[string]Handler
}

// Handle registers h for jobs of type typ. Registering a type twice
// panics, as http.ServeMux does: it is a programming error.
func (m *Mux) Handle(typ string, h Handler) {
	if h == nil {
		panic("queue: Mux.Handle: nil handler for " + typ)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.handlers[typ]; dup {
		panic("queue: Mux.Handle: type registered twice: " + typ)
	}
	if m.handlers == nil {
		m.handlers = make(map[string]Handler)
	}
	m.handlers[typ] = h
}

// HandleFunc registers f for jobs of type typ.
func (m *Mux) HandleFunc(typ string, f func(ctx context.Context, job *Job) error) {
	m.Handle(typ, HandlerFunc(f))
}

// ProcessJob runs the handler registered for job.Type; without one it
// returns an error wrapping ErrNoHandler and ErrSkipRetry.
func (m *Mux) ProcessJob(ctx context.Context, job *Job) error {
	m.mu.RLock()
	h := m.handlers[job.Type]
	m.mu.RUnlock()
	if h == nil {
		return fmt.Errorf("%w %q: %w", ErrNoHandler, job.Type, ErrSkipRetry)
	}
	return h.ProcessJob(ctx, job)
}
