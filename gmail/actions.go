package gmail

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"
	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/ucsp/integration/connector"
)

var _ connector.Modifier = (*Connector)(nil)

// The limits of Gmail's modify calls.
const (
	// MaxModifyBatch is the most messages one Modify call takes:
	// messages.batchModify's limit on ids.
	MaxModifyBatch = 1000
	// maxLabelsPerCall is how many labels one modify call may add, and
	// how many it may remove.
	maxLabelsPerCall = 100
	// batchModifyOver is the batch size above which Modify uses one
	// messages.batchModify (50 quota units) instead of a messages.modify
	// (5 units) per message: up to 10 messages, single calls cost no
	// more and tell each message's labels after the change.
	batchModifyOver = 10
)

// locationLabels are the labels that say where a message is: a move
// takes the message out of each of them but the target. A message with
// none of them is archived ("All Mail").
var locationLabels = []string{labelInbox, labelSpam, labelTrash}

// ActionSupport says what Modify does: seen (the UNREAD label), flagged
// (STARRED), labels, and moves, up to MaxModifyBatch messages a call.
func (c *Connector) ActionSupport() connector.ActionSupport {
	return connector.ActionSupport{Seen: true, Flagged: true, Labels: true, Move: true, MaxBatch: MaxModifyBatch, ChecksTargets: true}
}

// Modify changes the labels of msgs (ProviderID: the Gmail message id)
// as a says, in one label change per message: seen removes UNREAD and
// unseen adds it, flagged adds STARRED and unflagged removes it,
// AddLabels and RemoveLabels are label ids.
//
// Gmail has labels, not folders, so a move is a label change too: to
// the inbox adds INBOX, to junk SPAM, to a user label that label, each
// taking the message out of the other locations (INBOX, SPAM, TRASH); to
// the archive role removes all three (an archived message has none of
// them). A move to the trash adds TRASH only, as messages.trash does,
// so that untrashing restores the message where it was. A move wins
// over AddLabels and RemoveLabels where they disagree. Moving into sent
// or drafts (SENT and DRAFT are Gmail's to set) is refused with a
// *connector.ValidationError, as is a move to the UNREAD or STARRED
// label (states, not places) and an action naming a label the mailbox
// does not have (checked with labels.list, 1 unit, before any message
// is touched).
//
// Up to 10 messages take one call each (messages.modify, 5 quota units,
// or messages.trash for a plain move to the trash), Concurrency at a
// time: each result has the message's labels after the change (Known),
// and a message Gmail no longer has (404) an ErrNotFound Err. Larger
// batches take one messages.batchModify (50 units for up to 1,000 ids),
// which answers nothing per message: its results are not Known (the
// next sync's history reports the labels). When it is refused with 404
// or 400 (a message gone or an id Gmail rejects), Modify falls back to
// one messages.modify per message, so that each missing message gets
// its ErrNotFound and the others are changed. A message id is never
// changed by a Gmail action: ProviderID stays.
func (c *Connector) Modify(ctx context.Context, msgs []connector.MessageRef, a connector.Action) ([]connector.ActionResult, error) {
	if err := a.Validate(c.ActionSupport()); err != nil {
		return nil, err
	}
	p, err := planLabels(a)
	if err != nil {
		return nil, err
	}
	if err := checkRefs(msgs); err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return []connector.ActionResult{}, nil
	}
	if err := c.checkLabels(ctx, a); err != nil {
		return nil, err
	}
	if len(msgs) > batchModifyOver {
		res, err := c.batchModify(ctx, msgs, p)
		if err == nil || !(errors.Is(err, connector.ErrNotFound) || StatusCode(err) == 400) {
			return res, err
		}
		c.log.DebugContext(ctx, "gmail: batchModify refused, modifying one by one", "messages", len(msgs), "error", err)
	}
	return c.modifyEach(ctx, msgs, p)
}

// systemLabelIDs are Gmail's system labels, which every mailbox has.
var systemLabelIDs = []string{
	"CHAT", labelSent, labelInbox, "IMPORTANT", labelTrash, labelDraft, labelSpam, labelStarred, labelUnread,
	"CATEGORY_FORUMS", "CATEGORY_UPDATES", "CATEGORY_PERSONAL", "CATEGORY_PROMOTIONS", "CATEGORY_SOCIAL",
}

// checkLabels refuses, before any message is touched, an action naming
// a label the mailbox does not have (labels.list, 1 quota unit, when it
// names a label other than a system one), with a
// *connector.ValidationError naming the field.
func (c *Connector) checkLabels(ctx context.Context, a connector.Action) error {
	named := func(l string) bool { return l != "" && !slices.Contains(systemLabelIDs, l) }
	if !named(a.MoveTo) && !slices.ContainsFunc(a.AddLabels, named) && !slices.ContainsFunc(a.RemoveLabels, named) {
		return nil
	}
	var list *gmailapi.ListLabelsResponse
	err := c.call(ctx, "labels.list", retryAll, func(ctx context.Context) error {
		var err error
		list, err = c.svc.Users.Labels.List(me).Context(ctx).Do()
		return err
	})
	if err != nil {
		return err
	}
	have := func(id string) bool {
		return slices.ContainsFunc(list.Labels, func(l *gmailapi.Label) bool { return l.Id == id })
	}
	v := &connector.ValidationError{Context: "gmail: invalid action"}
	if named(a.MoveTo) && !have(a.MoveTo) {
		v.Addf("folder", "no label %q in this mailbox", a.MoveTo)
	}
	for field, labels := range map[string][]string{"add_labels": a.AddLabels, "remove_labels": a.RemoveLabels} {
		for i, l := range labels {
			if named(l) && !have(l) {
				v.Addf(fmt.Sprintf("%s[%d]", field, i), "no label %q in this mailbox", l)
			}
		}
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

// labelPlan is an Action as labels to add and remove.
type labelPlan struct {
	add, remove []string
	// trash: the action is a plain move to the trash (messages.trash).
	trash bool
}

// planLabels turns a (valid for ActionSupport) into labels.
func planLabels(a connector.Action) (labelPlan, error) {
	v := &connector.ValidationError{Context: "gmail: invalid action"}
	p := labelPlan{add: slices.Clone(a.AddLabels), remove: slices.Clone(a.RemoveLabels)}
	if a.Seen != nil {
		p.set(labelUnread, !*a.Seen)
	}
	if a.Flagged != nil {
		p.set(labelStarred, *a.Flagged)
	}
	field, target, archive := "folder", a.MoveTo, false
	if a.MoveToRole != connector.RoleNone {
		field = "role"
		switch a.MoveToRole {
		case connector.RoleInbox:
			target = labelInbox
		case connector.RoleJunk:
			target = labelSpam
		case connector.RoleTrash:
			target = labelTrash
		case connector.RoleArchive:
			archive = true
		default:
			target = string(a.MoveToRole)
		}
	}
	switch target {
	case labelSent, labelDraft, string(connector.RoleSent), string(connector.RoleDrafts):
		v.Addf(field, "gmail cannot move mail into sent or drafts: Gmail alone sets the SENT and DRAFT labels")
	case labelUnread, labelStarred:
		v.Addf(field, "%s is a state, not a place: use seen or flagged", target)
	case labelTrash:
		p.set(labelTrash, true)
		p.trash = a.Seen == nil && a.Flagged == nil && len(a.AddLabels) == 0 && len(a.RemoveLabels) == 0
	case "":
		if archive {
			for _, l := range locationLabels {
				p.set(l, false)
			}
		}
	default:
		p.set(target, true)
		for _, l := range locationLabels {
			if l != target {
				p.set(l, false)
			}
		}
	}
	if len(p.add) > maxLabelsPerCall {
		v.Addf("add_labels", "adds %d labels: Gmail takes at most %d a call", len(p.add), maxLabelsPerCall)
	}
	if len(p.remove) > maxLabelsPerCall {
		v.Addf("remove_labels", "removes %d labels: Gmail takes at most %d a call", len(p.remove), maxLabelsPerCall)
	}
	if len(v.Fields) > 0 {
		return labelPlan{}, v
	}
	return p, nil
}

// set makes the plan add (on) or remove (off) label, overriding what it
// said before about it.
func (p *labelPlan) set(label string, on bool) {
	p.add = slices.DeleteFunc(p.add, func(l string) bool { return l == label })
	p.remove = slices.DeleteFunc(p.remove, func(l string) bool { return l == label })
	if on {
		p.add = append(p.add, label)
	} else {
		p.remove = append(p.remove, label)
	}
}

// checkRefs refuses more than MaxModifyBatch messages and empty ids.
func checkRefs(msgs []connector.MessageRef) error {
	v := &connector.ValidationError{Context: "gmail: invalid action"}
	if len(msgs) > MaxModifyBatch {
		v.Addf("messages", "holds %d messages: at most %d a call", len(msgs), MaxModifyBatch)
	}
	for i, m := range msgs {
		if m.ProviderID == "" {
			v.Addf(fmt.Sprintf("messages[%d].provider_id", i), "is empty")
		}
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

// modifyEach changes each message with its own call, Concurrency at a
// time.
func (c *Connector) modifyEach(ctx context.Context, msgs []connector.MessageRef, p labelPlan) ([]connector.ActionResult, error) {
	out := make([]connector.ActionResult, len(msgs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.Concurrency)
	for i, ref := range msgs {
		g.Go(func() error {
			gm, err := c.modifyOne(gctx, ref.ProviderID, p)
			switch {
			case errors.Is(err, connector.ErrNotFound):
				out[i] = connector.ActionResult{Ref: ref, Err: err}
				return nil
			case err != nil:
				return err
			}
			out[i] = connector.ActionResult{
				Ref: ref, ProviderID: ref.ProviderID, ProviderRef: ref.ProviderRef,
				Labels: slices.Clone(gm.LabelIds), Flags: flagsOf(gm.LabelIds), Known: true,
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("gmail: modify: %w", ctx.Err())
		}
		return nil, err
	}
	return out, nil
}

// modifyOne is messages.trash for a plain move to the trash, else
// messages.modify.
func (c *Connector) modifyOne(ctx context.Context, id string, p labelPlan) (*gmailapi.Message, error) {
	var gm *gmailapi.Message
	if p.trash {
		err := c.call(ctx, "messages.trash", retryAll, func(ctx context.Context) error {
			var err error
			gm, err = c.svc.Users.Messages.Trash(me, id).Context(ctx).Do()
			return err
		})
		return gm, err
	}
	req := &gmailapi.ModifyMessageRequest{AddLabelIds: p.add, RemoveLabelIds: p.remove}
	err := c.call(ctx, "messages.modify", retryAll, func(ctx context.Context) error {
		var err error
		gm, err = c.svc.Users.Messages.Modify(me, id, req).Context(ctx).Do()
		return err
	})
	return gm, err
}

// batchModify changes msgs with one messages.batchModify.
func (c *Connector) batchModify(ctx context.Context, msgs []connector.MessageRef, p labelPlan) ([]connector.ActionResult, error) {
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ProviderID
	}
	req := &gmailapi.BatchModifyMessagesRequest{Ids: ids, AddLabelIds: p.add, RemoveLabelIds: p.remove}
	err := c.call(ctx, "messages.batchModify", retryAll, func(ctx context.Context) error {
		return c.svc.Users.Messages.BatchModify(me, req).Context(ctx).Do()
	})
	if err != nil {
		return nil, err
	}
	out := make([]connector.ActionResult, len(msgs))
	for i, ref := range msgs {
		out[i] = connector.ActionResult{Ref: ref, ProviderID: ref.ProviderID, ProviderRef: ref.ProviderRef}
	}
	return out, nil
}
