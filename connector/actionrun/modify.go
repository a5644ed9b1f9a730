package actionrun

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// modify calls the connector on the messages still there, in chunks of
// its MaxBatch, and makes the store follow each chunk's results.
func (r *Runner) modify(ctx context.Context, in *store.Integration, mod connector.Modifier, s connector.ActionSupport, req *Request, msgs []*store.Message) (*Result, error) {
	res := &Result{Integration: in, Messages: make([]MessageResult, len(msgs))}
	var todo []int // indexes of msgs to send to the provider
	for i, m := range msgs {
		res.Messages[i] = MessageResult{ID: m.ID, Message: m}
		if !m.DeletedAt.IsZero() {
			res.Messages[i].Outcome = OutcomeGone // the store knows it gone already
			continue
		}
		todo = append(todo, i)
	}
	chunk := len(todo)
	if s.MaxBatch > 0 {
		chunk = s.MaxBatch
	}
	for start := 0; start < len(todo); start += chunk {
		part := todo[start:min(start+chunk, len(todo))]
		refs := make([]connector.MessageRef, len(part))
		for j, i := range part {
			refs[j] = connector.MessageRef{ProviderID: msgs[i].ProviderID, ProviderRef: msgs[i].ProviderRef}
		}
		results, err := mod.Modify(ctx, refs, req.Action)
		if err == nil && len(results) != len(refs) {
			err = fmt.Errorf("%w: the connector returned %d results for %d messages", connector.ErrPermanent, len(results), len(refs))
		}
		if err != nil {
			var ve *connector.ValidationError
			if errors.As(err, &ve) {
				return nil, err // the action, refused as a whole: nothing changed
			}
			r.emit(ctx, res.Events)
			return nil, r.failed(ctx, in, "modifying messages", err)
		}
		for j, i := range part {
			mr, events, err := r.apply(ctx, msgs[i], results[j])
			if err != nil {
				r.emit(ctx, res.Events)
				return nil, fmt.Errorf("actionrun: storing the result of message %s: %w", msgs[i].ID, err)
			}
			res.Messages[i] = mr
			res.Events = append(res.Events, events...)
		}
	}
	r.emit(ctx, res.Events)
	return res, nil
}
