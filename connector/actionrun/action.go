package actionrun

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// Request asks for one action on messages of one integration.
type Request struct {
	TenantID      string
	IntegrationID string
	// MessageIDs are the store's ids of the messages (store.Message.ID),
	// at least one and at most Options.MaxMessages, each once.
	MessageIDs []string
	// Action is what to do to each of them.
	Action connector.Action
}

// Outcome is what became of one message of a Do call.
type Outcome string

// The outcomes of a message.
const (
	// OutcomeUpdated: the provider changed the message and the store
	// followed, with a message.updated event.
	OutcomeUpdated Outcome = "updated"
	// OutcomeUnchanged: the store already held the state asked for —
	// the message was as asked, or a sync that saw the provider's new
	// state stored it first (and announced it, source sync) — or the
	// connector could not tell the new state, which the next sync
	// reports; no event from this call.
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeGone: the provider no longer has the message; the store
	// marks it deleted, with a message.deleted event unless it was
	// marked so already.
	OutcomeGone Outcome = "gone"
	// OutcomeFailed: the provider refused this message (Err says why);
	// nothing changed.
	OutcomeFailed Outcome = "failed"
)

// MessageResult is what became of one message.
type MessageResult struct {
	// ID is the message's store id, as requested.
	ID      string
	Outcome Outcome
	// Message is the stored message after the call.
	Message *store.Message
	// Err is why the provider refused the message (OutcomeFailed).
	Err error
}

// Result is what a Do call did.
type Result struct {
	// Integration is the integration acted on.
	Integration *store.Integration
	// Messages are the requested messages' results, in the request's
	// order.
	Messages []MessageResult
	// Events are the events stored (and published), in order.
	Events []*store.Event
}

// ErrDisabled is returned for a disabled integration: nothing is done
// to its mailbox until it is enabled again.
var ErrDisabled = errors.New("actionrun: the integration is disabled")

// Do applies req.Action to req's messages at the provider, then makes
// the store follow what the provider reported: each message's new
// flags, labels and folders, and its new ProviderID and ProviderRef
// after a move (its store id stays), with one message.updated event per
// message that really changed, stored in the transaction of the change
// (source "api"); a message the provider no longer has is marked
// deleted, with a message.deleted event.
//
// Before anything is done at the provider, Do checks the request and
// returns, with nothing changed:
//
//   - a *connector.ValidationError naming the request's fields
//     (message_ids, seen, flagged, add_labels[i], remove_labels[i],
//     folder, role) for bad input: too many messages, an action the
//     provider does not support (labels on IMAP), contradictory fields,
//     a folder or label the mailbox does not have (when the connector
//     lists its folders);
//   - store.ErrNotFound for an unknown integration (or another
//     tenant's), a *MessagesNotFoundError for unknown messages;
//   - an *UnsupportedError for a provider without a mailbox (custom
//     sources) or a connector without connector.Modifier;
//   - ErrDisabled for a disabled integration.
//
// A failure of the provider call is returned as the connector's error
// (connector.ErrAuth, ErrRateLimited, ...) after Options.Failures saw
// it: credentials refused mark the integration needs_reauth. What the
// provider had done by then (earlier chunks of a batch larger than the
// connector's ActionSupport.MaxBatch) is in the store already.
func (r *Runner) Do(ctx context.Context, req *Request) (res *Result, err error) {
	if err := r.checkRequest(req); err != nil {
		return nil, err
	}
	in, err := r.store.GetIntegration(ctx, req.TenantID, req.IntegrationID)
	if err != nil {
		return nil, err
	}
	if r.hooks.Do != nil {
		var end func(*Result, error)
		if ctx, end = r.hooks.Do(ctx, in, req); end != nil {
			defer func() { end(res, err) }()
		}
	}
	if !r.served(in.Provider) {
		return nil, &UnsupportedError{Provider: in.Provider, What: "actions"}
	}
	if in.Status == store.StatusDisabled {
		return nil, ErrDisabled
	}
	msgs, err := r.loadMessages(ctx, req)
	if err != nil {
		return nil, err
	}
	c, err := r.open(ctx, in, "actions")
	if err != nil {
		return nil, err
	}
	defer closeConnector(c)
	mod, ok := c.(connector.Modifier)
	if !ok {
		return nil, &UnsupportedError{Provider: in.Provider, What: "actions"}
	}
	support := mod.ActionSupport()
	if err := req.Action.Validate(support); err != nil {
		return nil, err
	}
	if err := r.checkTargets(ctx, in, c, req.Action, support); err != nil {
		return nil, err
	}
	return r.modify(ctx, in, mod, support, req, msgs)
}

// checkRequest checks what needs no I/O: the message ids.
func (r *Runner) checkRequest(req *Request) error {
	v := &connector.ValidationError{Context: "actionrun: invalid request"}
	switch n := len(req.MessageIDs); {
	case n == 0:
		v.Addf("message_ids", "is required: name at least one message")
	case n > r.max:
		v.Addf("message_ids", "names %d messages; at most %d are allowed in one request", n, r.max)
	}
	seen := make(map[string]int, len(req.MessageIDs))
	for i, id := range req.MessageIDs {
		if j, dup := seen[id]; dup {
			v.Addf(fmt.Sprintf("message_ids[%d]", i), "repeats message_ids[%d]", j)
			continue
		}
		seen[id] = i
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

// loadMessages reads the requested messages, or names those the store
// does not have.
func (r *Runner) loadMessages(ctx context.Context, req *Request) ([]*store.Message, error) {
	msgs := make([]*store.Message, len(req.MessageIDs))
	var missing []string
	for i, id := range req.MessageIDs {
		if !store.ValidID(id) {
			missing = append(missing, id)
			continue
		}
		m, err := r.store.GetMessage(ctx, req.TenantID, req.IntegrationID, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			missing = append(missing, id)
		case err != nil:
			return nil, err
		}
		msgs[i] = m
	}
	if len(missing) > 0 {
		return nil, &MessagesNotFoundError{IDs: missing}
	}
	return msgs, nil
}

// checkTargets checks the folder and labels an action names against the
// mailbox's folders, when the connector lists them and its Modify does
// not check them itself (ActionSupport.ChecksTargets). A role is checked
// when no folder has it, except archiving where labels are folders
// (Gmail archives by removing INBOX).
func (r *Runner) checkTargets(ctx context.Context, in *store.Integration, c connector.Connector, a connector.Action, s connector.ActionSupport) error {
	fl, ok := c.(connector.FolderLister)
	if !ok || s.ChecksTargets || (a.MoveTo == "" && a.MoveToRole == connector.RoleNone && len(a.AddLabels) == 0 && len(a.RemoveLabels) == 0) {
		return nil
	}
	fs, err := fl.Folders(ctx)
	if err != nil {
		return r.failed(ctx, in, "listing folders", err)
	}
	v := &connector.ValidationError{Context: "connector: invalid action"}
	for _, check := range []struct {
		field  string
		ids    []string
		single bool
	}{{"folder", nonEmpty(a.MoveTo), true}, {"add_labels", a.AddLabels, false}, {"remove_labels", a.RemoveLabels, false}} {
		var ve *connector.ValidationError
		if errors.As(CheckFolders(fs, check.field, check.ids, check.single), &ve) {
			v.Fields = append(v.Fields, ve.Fields...)
		}
	}
	if a.MoveToRole != connector.RoleNone {
		if _, ok := connector.FolderByRole(fs, a.MoveToRole); !ok && (a.MoveToRole != connector.RoleArchive || !s.Labels) {
			v.Addf("role", "no folder of this mailbox has the role %q", string(a.MoveToRole))
		}
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
