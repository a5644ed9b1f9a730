package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// deliver is the delivery job's handler: one attempt of one event,
// recorded on it. The event is delivered on a 2xx; tried again (after
// Backoff, or the receiver's Retry-After) on a network error, 408, 429
// or 5xx; dead at once on any other answer, and after the job's last
// attempt.
func (o *Outbox) deliver(ctx context.Context, job *queue.Job) error {
	var p deliverJob
	if err := job.Decode(&p); err != nil {
		return fmt.Errorf("%w: outbox: %w", queue.ErrSkipRetry, err)
	}
	if !o.Delivers() {
		return nil // no URL: the event stays pending
	}
	ev, err := o.store.GetEvent(ctx, p.TenantID, p.EventID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // deleted with its integration
	case err != nil:
		return err
	case ev.Status != store.EventPending:
		return nil // delivered or dead meanwhile: a duplicate job
	}

	a := Attempt{Event: ev, Number: job.Attempt, MaxAttempts: job.MaxAttempts}
	if o.opts.Hooks.AttemptStart != nil {
		if c := o.opts.Hooks.AttemptStart(ctx, a); c != nil {
			ctx = c
		}
	}
	start := time.Now()
	out := o.post(ctx, ev)
	res := Result{Class: out.class, Status: out.status, Duration: time.Since(start)}
	if out.ok {
		res.Outcome = Delivered
		res.Err = o.store.MarkEventDelivered(ctx, ev.ID, time.Now())
		o.attemptEnd(ctx, a, res)
		return res.Err
	}

	res.Outcome = Dead
	if out.retry && job.Attempt < job.MaxAttempts {
		wait := o.backoff(job.Attempt)
		if out.retryAfter > 0 {
			wait = out.retryAfter
		}
		res.Outcome, res.Next = Retry, time.Now().Add(wait)
	}
	o.log.DebugContext(ctx, "event delivery failed", slog.String("event_id", ev.ID), slog.Int("attempt", job.Attempt),
		slog.String("class", out.class), slog.String("detail", out.detail))
	res.Err = o.store.MarkEventFailed(ctx, ev.ID, res.Next, out.class)
	o.attemptEnd(ctx, a, res)
	if res.Err != nil {
		return res.Err
	}
	failure := errors.New("outbox: delivery: " + out.class)
	if res.Outcome == Dead {
		return fmt.Errorf("%w: %w", queue.ErrSkipRetry, failure)
	}
	return queue.RetryAt(res.Next, failure)
}

// attemptEnd calls the AttemptEnd hook, if there is one.
func (o *Outbox) attemptEnd(ctx context.Context, a Attempt, r Result) {
	if o.opts.Hooks.AttemptEnd != nil {
		o.opts.Hooks.AttemptEnd(ctx, a, r)
	}
}
