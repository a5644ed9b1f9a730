package outbox

import (
	"context"
	"sync"
	"time"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// deliverJob is the payload of a delivery job.
type deliverJob struct {
	TenantID string `json:"tenant_id"`
	EventID  string `json:"event_id"`
}

// Enqueue enqueues the delivery of events, which a transaction of the
// caller has just committed (events are never enqueued before their
// commit: a job must find its event). A failed enqueue is logged and
// not returned: the event is stored, and the sweep enqueues it once it
// is SweepGrace overdue. The events of a batch are enqueued
// concurrently (at most EnqueueConcurrency at once), so that a broker
// that batches writes sends them in a few round trips. Without a URL it
// does nothing.
func (o *Outbox) Enqueue(ctx context.Context, events ...*store.Event) {
	if !o.Delivers() || len(events) == 0 {
		return
	}
	enqueue := func(ev *store.Event) {
		if err := o.enqueue(ctx, ev, ""); err != nil {
			o.log.WarnContext(ctx, "enqueueing an event's delivery failed; the sweep will", "event_id", ev.ID, "error", err)
		}
	}
	if len(events) == 1 {
		enqueue(events[0])
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, o.opts.EnqueueConcurrency)
	for _, ev := range events {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			enqueue(ev)
		})
	}
	wg.Wait()
}

// enqueue enqueues one delivery job of ev. Its job id is the event's
// ("event-" + id, with suffix for a redelivery), so that enqueueing it
// again while a job for it is pending, scheduled or running is a no-op.
func (o *Outbox) enqueue(ctx context.Context, ev *store.Event, suffix string) error {
	opts := append([]queue.Option{queue.ID("event-" + ev.ID + suffix)}, o.jobOpts...)
	_, err := queue.EnqueueJSON(ctx, o.broker, o.opts.DeliverJobType, deliverJob{TenantID: ev.TenantID, EventID: ev.ID}, opts...)
	return err
}

// Redeliver makes one of the tenant's events (delivered or dead) pending
// again and enqueues a new delivery job of it, which starts again from
// attempt 1; the event keeps its id, so the receiver sees the same
// webhook-id. It returns the event as the store left it, or the store's
// error (store.ErrNotFound for another tenant's or an unknown event). A
// failed enqueue is logged: the sweep enqueues the event. Without a URL
// the event is only made pending.
func (o *Outbox) Redeliver(ctx context.Context, tenantID, id string) (*store.Event, error) {
	ev, err := o.store.RedeliverEvent(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if o.Delivers() {
		// A job id of its own: the event's first delivery job may still
		// be known to the queue.
		suffix := "-r" + time.Now().UTC().Format("20060102T150405.000000000")
		if err := o.enqueue(ctx, ev, suffix); err != nil {
			o.log.WarnContext(ctx, "enqueueing a redelivery failed; the sweep will", "event_id", ev.ID, "error", err)
		}
	}
	return ev, nil
}
