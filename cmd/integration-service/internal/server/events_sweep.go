package server

import (
	"context"
	"time"

	"github.com/ucsp/integration/queue"
)

// The sweep: a periodic job that enqueues the delivery of pending
// events no job was enqueued for (the process died between the commit
// that stored them and the enqueue that follows it, or the enqueue
// failed). Delivery job ids are the event ids, so an event whose job is
// merely late is not delivered twice.
const (
	jobSweepEvents = "sweep-events"
	// eventSweepGrace is how long past due a pending event must be for
	// the sweep to take it, so that a fresh event's own enqueue is
	// seldom raced. Racing it costs nothing but a job: the sweep's
	// enqueue has the same job id (a no-op while that job exists), and
	// a delivery job whose event is no longer pending does nothing.
	// It bounds, with the sweep's interval, how late an event whose
	// enqueue was lost (a process killed between commit and enqueue)
	// goes out.
	eventSweepGrace = 15 * time.Second
	// eventSweepBatch bounds the events claimed per store round trip.
	eventSweepBatch = 200
	// eventSweepMax bounds the events one sweep enqueues.
	eventSweepMax = 10_000
)

// runSweepEvents is the sweep job's handler.
func (a *App) runSweepEvents(ctx context.Context, _ *queue.Job) error {
	_, err := a.sweepEvents(ctx, time.Now())
	return err
}

// sweepEvents enqueues a delivery job for every pending event due
// before now-eventSweepGrace, and returns how many it enqueued. Claimed
// events stay hidden from the next sweeps for a while (the claim's
// lease); the delivery job ends the claim.
func (a *App) sweepEvents(ctx context.Context, now time.Time) (int, error) {
	if a.deliverer == nil {
		return 0, nil
	}
	n := 0
	for n < eventSweepMax {
		events, err := a.store.ClaimEvents(ctx, now.Add(-eventSweepGrace), eventSweepBatch, eventSweepGrace+2*a.cfg.EventSweepInterval)
		if err != nil || len(events) == 0 {
			return n, err
		}
		for _, ev := range events {
			if err := a.enqueueDelivery(ctx, ev, ""); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
