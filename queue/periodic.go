package queue

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Periodic is a job enqueued once per period, however many workers run
// it: each period boundary (a multiple of Every since the Unix epoch)
// enqueues one job, deduplicated across replicas by the broker. The job's
// ID names its period, "periodic:<Name>:<boundary in Unix milliseconds>",
// unless Options give it one.
type Periodic struct {
	// Name identifies the schedule; replicas that share it share its runs.
	Name string
	// Every is the period, at least one second.
	Every time.Duration
	// Type, Payload and Options are what is enqueued.
	Type    string
	Payload []byte
	Options []Option
}

func (p Periodic) validate() error {
	if err := validName("periodic name", p.Name); err != nil {
		return err
	}
	if p.Every < time.Second {
		return fmt.Errorf("%w: periodic %q: Every %s is shorter than a second", ErrInvalid, p.Name, p.Every)
	}
	return validName("periodic job type", p.Type)
}

// schedule enqueues p at every period boundary until ctx is done.
func (w *Worker) schedule(ctx context.Context, p Periodic) {
	for {
		now := time.Now()
		slot := nextSlot(now, p.Every)
		t := time.NewTimer(slot.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		key := "periodic:" + p.Name + ":" + strconv.FormatInt(slot.UnixMilli(), 10)
		opts := append(append([]Option{ID(key)}, p.Options...), once(key, 2*p.Every+time.Minute))
		for attempt := 1; ; attempt++ {
			_, err := w.broker.Enqueue(ctx, p.Type, p.Payload, opts...)
			if err == nil || ctx.Err() != nil {
				break
			}
			if attempt == 1 {
				w.log.Warn("queue: periodic enqueue failed, retrying", "periodic", p.Name, "error", err)
			}
			if !sleep(ctx, min(time.Duration(attempt)*200*time.Millisecond, p.Every/4)) {
				return
			}
		}
	}
}

// nextSlot returns the first period boundary after now: a multiple of
// every since the Unix epoch (time.Truncate counts from year 1, which
// gives other boundaries for periods that do not divide a day).
func nextSlot(now time.Time, every time.Duration) time.Time {
	e := int64(every)
	return time.Unix(0, (now.UnixNano()/e+1)*e)
}

// sleep waits d or until ctx is done, reporting whether it slept fully.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
