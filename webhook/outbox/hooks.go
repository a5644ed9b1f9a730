package outbox

import (
	"context"
	"net/http"
	"time"

	"github.com/ucsp/integration/store"
)

// Hooks are functions an Outbox calls around each delivery attempt, so
// that a deployment can measure and trace deliveries without this
// package importing a metrics or tracing library. Every field is
// optional. They run on the delivery job's goroutine: keep them quick.
type Hooks struct {
	// AttemptStart is called before an attempt with the delivery job's
	// context. The context it returns (nil keeps ctx) is the attempt's:
	// the request is made with it, Request sees it as the request's
	// context, and AttemptEnd receives it. A tracer starts the attempt's
	// span here.
	AttemptStart func(ctx context.Context, a Attempt) context.Context
	// Request is called with each attempt's request once it is signed,
	// just before it is sent: to add a header (a trace context, say).
	// The webhook-* headers and the body are signed: changing them makes
	// the delivery fail verification.
	Request func(req *http.Request)
	// AttemptEnd is called when an attempt has ended (and been recorded
	// on the event, or failed to be), with what it came to.
	AttemptEnd func(ctx context.Context, a Attempt, r Result)
}

// Attempt is one delivery attempt of an event.
type Attempt struct {
	// Event is the event delivered, as the store returned it before the
	// attempt.
	Event *store.Event
	// Number is the attempt's number in its delivery job, from 1 (a
	// redelivery starts again from 1); MaxAttempts is the job's last.
	Number, MaxAttempts int
}

// Outcome is what an attempt came to for its event.
type Outcome string

// The outcomes of an attempt.
const (
	// Delivered: the receiver answered 2xx.
	Delivered Outcome = "delivered"
	// Retry: the attempt failed and the event is tried again later.
	Retry Outcome = "retry"
	// Dead: the attempt failed and the event is given up on (a refusal,
	// or the last attempt); Redeliver revives it.
	Dead Outcome = "dead"
)

// Result is what an attempt came to.
type Result struct {
	Outcome Outcome
	// Class is why the attempt failed (see the Class constants); empty
	// when delivered.
	Class string
	// Status is the receiver's status code; 0 when it did not answer.
	Status int
	// Duration is how long the attempt took, from the start of the
	// request to the end of the answer.
	Duration time.Duration
	// Next is when the event is tried again (Outcome Retry).
	Next time.Time
	// Err is the error of recording the attempt on the event, if that
	// failed: the delivery job then runs again.
	Err error
}
