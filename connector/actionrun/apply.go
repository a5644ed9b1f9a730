package actionrun

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// MessageUpdater changes one stored message and stores the events fn
// returns in the same transaction. fn gets the message as stored (it
// may be called again on a retry) and changes it in place.
type MessageUpdater interface {
	UpdateMessage(ctx context.Context, tenantID, integrationID, id string, fn func(*store.Message) ([]*store.Event, error)) (*store.Message, error)
}

// apply makes the stored message m follow one result of the provider.
func (r *Runner) apply(ctx context.Context, in *store.Integration, m *store.Message, ar connector.ActionResult) (MessageResult, []*store.Event, error) {
	out := MessageResult{ID: m.ID, Message: m}
	gone := errors.Is(ar.Err, connector.ErrNotFound)
	if ar.Err != nil && !gone {
		out.Outcome, out.Err = OutcomeFailed, ar.Err
		return out, nil, nil
	}
	var events []*store.Event
	updated, err := r.store.UpdateMessage(ctx, m.TenantID, m.IntegrationID, m.ID, func(cur *store.Message) ([]*store.Event, error) {
		events = nil
		out.Outcome = OutcomeUnchanged
		if gone {
			out.Outcome = OutcomeGone
			if !cur.DeletedAt.IsZero() {
				return nil, nil
			}
			now := time.Now()
			cur.DeletedAt, cur.UpdatedAt = now, now
			ev, err := DeletedEvent(cur, SourceAPI)
			if err != nil {
				return nil, err
			}
			events = []*store.Event{ev}
			return events, nil
		}
		if ar.ProviderID != "" {
			cur.ProviderID, cur.ProviderRef = ar.ProviderID, ar.ProviderRef
		}
		if !ar.Known {
			return nil, nil
		}
		var changed []string
		for _, f := range []struct {
			name     string
			cur      *[]string
			reported []string
		}{{"flags", &cur.Flags, ar.Flags}, {"labels", &cur.Labels, ar.Labels}, {"folders", &cur.Folders, ar.Folders}} {
			if !sameSet(*f.cur, f.reported) {
				*f.cur = slices.Clone(f.reported)
				changed = append(changed, f.name)
			}
		}
		if len(changed) == 0 {
			return nil, nil
		}
		cur.UpdatedAt = time.Now()
		out.Outcome = OutcomeUpdated
		ev, err := UpdatedEvent(cur, changed, SourceAPI)
		if err != nil {
			return nil, err
		}
		events = []*store.Event{ev}
		return events, nil
	})
	if err != nil {
		return out, nil, err
	}
	out.Message = updated
	return out, events, nil
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
