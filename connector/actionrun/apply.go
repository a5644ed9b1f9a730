package actionrun

import (
	"context"
	"errors"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// apply makes the stored message m follow one result of the provider,
// with the events of what really changed, in one transaction
// (store.MessageUpdater).
func (r *Runner) apply(ctx context.Context, m *store.Message, ar connector.ActionResult) (MessageResult, []*store.Event, error) {
	out := MessageResult{ID: m.ID, Message: m, Outcome: OutcomeUnchanged}
	gone := errors.Is(ar.Err, connector.ErrNotFound)
	if ar.Err != nil && !gone {
		out.Outcome, out.Err = OutcomeFailed, ar.Err
		return out, nil, nil
	}
	u := &store.MessageUpdate{
		TenantID: m.TenantID, IntegrationID: m.IntegrationID, ID: m.ID,
		ProviderID: ar.ProviderID, ProviderRef: ar.ProviderRef,
		State: store.MessageState{Flags: ar.Flags, Labels: ar.Labels, Folders: ar.Folders}, Known: ar.Known,
		Deleted: gone,
	}
	var events []*store.Event
	u.Events = func(c *store.MessageChange) ([]*store.Event, error) {
		var err error
		events, err = changeEvents(c)
		return events, err
	}
	c, err := r.store.ApplyMessageUpdate(ctx, u)
	if err != nil {
		return out, nil, err
	}
	if gone {
		out.Outcome = OutcomeGone
	} else if c != nil && c.StateChanged() {
		out.Outcome = OutcomeUpdated
	}
	if c == nil {
		return out, nil, nil
	}
	if fresh, err := r.store.GetMessage(ctx, m.TenantID, m.IntegrationID, m.ID); err == nil {
		out.Message = fresh
	}
	return out, events, nil
}
