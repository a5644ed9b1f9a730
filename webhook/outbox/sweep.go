package outbox

import (
	"context"
	"time"

	"github.com/ucsp/integration/queue"
)

// sweepJob is the sweep job's handler.
func (o *Outbox) sweepJob(ctx context.Context, _ *queue.Job) error {
	_, err := o.Sweep(ctx, time.Now())
	return err
}

// Sweep enqueues a delivery job for every pending event due before
// now-SweepGrace (at most SweepMax), and returns how many it enqueued:
// the events whose enqueue was lost (the process died between the
// commit that stored them and the enqueue that follows it, or the
// enqueue failed), and those whose delivery job was lost with its
// queue. Claimed events stay hidden from the next sweeps for a while
// (SweepGrace plus two SweepIntervals); their delivery job ends the
// claim.
//
// Racing an event's own enqueue costs nothing but a job: a delivery
// job's id is its event's, so the sweep's enqueue is a no-op while that
// job exists, and a delivery job whose event is no longer pending does
// nothing. The periodic job calls Sweep with the current time; without
// a URL it does nothing.
func (o *Outbox) Sweep(ctx context.Context, now time.Time) (int, error) {
	if !o.Delivers() {
		return 0, nil
	}
	lease := o.opts.SweepGrace + 2*o.opts.SweepInterval
	n := 0
	for n < o.opts.SweepMax {
		events, err := o.store.ClaimEvents(ctx, now.Add(-o.opts.SweepGrace), min(o.opts.SweepBatch, o.opts.SweepMax-n), lease)
		if err != nil || len(events) == 0 {
			return n, err
		}
		for _, ev := range events {
			if err := o.enqueue(ctx, ev, ""); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
