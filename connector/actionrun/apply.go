package actionrun

import (
	"context"
	"errors"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// apply makes the stored message m follow one result of the provider,
// with the event of what really changed in the same transaction
// (syncrun.ApplyActionResult: message.updated or message.deleted,
// source api).
func (r *Runner) apply(ctx context.Context, m *store.Message, ar connector.ActionResult) (MessageResult, []*store.Event, error) {
	out := MessageResult{ID: m.ID, Message: m, Outcome: OutcomeUnchanged}
	gone := errors.Is(ar.Err, connector.ErrNotFound)
	if ar.Err != nil && !gone {
		out.Outcome, out.Err = OutcomeFailed, ar.Err
		return out, nil, nil
	}
	events, err := syncrun.ApplyActionResult(ctx, r.store, m, ar)
	if err != nil {
		return out, nil, err
	}
	switch {
	case gone:
		out.Outcome = OutcomeGone
	case len(events) > 0:
		out.Outcome = OutcomeUpdated
	}
	// Read the message back even without an event: a sync that saw the
	// provider's new state first stored it (and announced it), and the
	// answer shows the state the store holds now.
	if fresh, err := r.store.GetMessage(ctx, m.TenantID, m.IntegrationID, m.ID); err == nil {
		out.Message = fresh
	}
	return out, events, nil
}
