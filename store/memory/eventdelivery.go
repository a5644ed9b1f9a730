package memory

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/ucsp/integration/store"
)

// ClaimEvents returns up to limit pending events of any tenant that are
// due at now and not leased, in the order they fell due (NextAttemptAt,
// then the order they were stored), and leases them until now+lease:
// until then no other call returns them. Their Attempts is not changed;
// MarkEventDelivered and MarkEventFailed count the attempt. limit and
// lease must be positive (store.ErrInvalid).
func (s *Store) ClaimEvents(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*store.Event, error) {
	switch {
	case limit <= 0:
		return nil, invalid("limit", "must be positive")
	case lease <= 0:
		return nil, invalid("lease", "must be positive")
	}
	var out []*store.Event
	err := s.write(ctx, func(t *tables) error {
		var due []*eventRow
		for _, row := range t.pendingEvents {
			if !row.ev.NextAttemptAt.After(now) && !row.lockedUntil.After(now) {
				due = append(due, row)
			}
		}
		slices.SortFunc(due, func(a, b *eventRow) int {
			if c := a.ev.NextAttemptAt.Compare(b.ev.NextAttemptAt); c != 0 {
				return c
			}
			return cmp.Compare(a.seq, b.seq)
		})
		until := storedTime(now.Add(lease))
		for _, row := range due[:min(limit, len(due))] {
			row.lockedUntil = until
			out = append(out, cloneEvent(&row.ev))
		}
		return nil
	})
	return out, err
}

// MarkEventDelivered records a delivery of event id at at: the event is
// delivered, with one more attempt. An event already delivered is left
// as it is.
func (s *Store) MarkEventDelivered(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		return invalid("delivered_at", "is required")
	}
	return s.write(ctx, func(t *tables) error {
		row := t.events[normID(id)]
		if row == nil {
			return notFound("event")
		}
		if row.ev.Status == store.EventDelivered {
			return nil
		}
		row.ev.Status = store.EventDelivered
		row.ev.Attempts++
		row.ev.DeliveredAt = storedTime(at)
		row.lockedUntil = time.Time{}
		t.indexEvent(row)
		return nil
	})
}

// MarkEventFailed records a failed attempt of event id, with reason as
// its LastError: the event is pending and due at next, or dead when next
// is zero. A delivered event is left as it is: a late failure report does
// not undo a delivery.
func (s *Store) MarkEventFailed(ctx context.Context, id string, next time.Time, reason string) error {
	return s.write(ctx, func(t *tables) error {
		row := t.events[normID(id)]
		if row == nil {
			return notFound("event")
		}
		if row.ev.Status == store.EventDelivered {
			return nil
		}
		row.ev.Attempts++
		row.ev.LastError = reason
		row.lockedUntil = time.Time{}
		if next.IsZero() {
			row.ev.Status = store.EventDead
		} else {
			row.ev.Status = store.EventPending
			row.ev.NextAttemptAt = storedTime(next)
		}
		t.indexEvent(row)
		return nil
	})
}

// RedeliverEvent makes the tenant's event id pending and due now, whatever
// its status, and returns it. Its Attempts and LastError are kept; its
// DeliveredAt is cleared.
func (s *Store) RedeliverEvent(ctx context.Context, tenantID, id string) (*store.Event, error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	var out *store.Event
	err := s.write(ctx, func(t *tables) error {
		row := t.events[normID(id)]
		if row == nil || row.ev.TenantID != tenantID {
			return notFound("event")
		}
		row.ev.Status = store.EventPending
		row.ev.NextAttemptAt = s.now()
		row.ev.DeliveredAt = time.Time{}
		row.lockedUntil = time.Time{}
		t.indexEvent(row)
		out = cloneEvent(&row.ev)
		return nil
	})
	return out, err
}
