package queue

import (
	"errors"
	"fmt"
	"time"
)

// Errors of package queue.
var (
	// ErrInvalid: an argument of Enqueue or a config field is invalid.
	ErrInvalid = errors.New("queue: invalid argument")
	// ErrClosed: the broker or worker has been closed.
	ErrClosed = errors.New("queue: closed")
	// ErrNotFound: no such job (in the dead-letter set).
	ErrNotFound = errors.New("queue: job not found")
	// ErrSkipRetry, returned (wrapped or not) by a handler, dead-letters
	// the job at once: retrying cannot help.
	ErrSkipRetry = errors.New("queue: skip retry")
	// ErrNoHandler: a Mux has no handler for the job's type. The job is
	// dead-lettered.
	ErrNoHandler = errors.New("queue: no handler for job type")
)

// RetryAtError is the error a handler returns to retry the job at At (an
// upstream's Retry-After) instead of after the usual backoff. The attempt
// still counts.
type RetryAtError struct {
	At  time.Time
	Err error
}

// RetryAt returns an error asking for the job to run again at t.
func RetryAt(t time.Time, err error) error { return &RetryAtError{At: t, Err: err} }

// RetryAfter returns an error asking for the job to run again after d.
func RetryAfter(d time.Duration, err error) error { return RetryAt(time.Now().Add(d), err) }

// Error describes the error and when to retry.
func (e *RetryAtError) Error() string {
	msg := "retry requested"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("%s (retry at %s)", msg, e.At.UTC().Format(time.RFC3339))
}

// Unwrap returns the underlying error.
func (e *RetryAtError) Unwrap() error { return e.Err }

// PanicError is the error of a run whose handler panicked.
type PanicError struct {
	Value any
	Stack []byte
}

// Error describes the panic.
func (e *PanicError) Error() string { return fmt.Sprintf("queue: handler panicked: %v", e.Value) }
