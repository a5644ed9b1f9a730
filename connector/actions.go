package connector

import (
	"context"
	"fmt"
	"slices"
)

// Modifier changes messages at the provider: marks them seen or flagged,
// adds or removes labels, moves them to another folder. The provider is
// the truth: a caller applies an ActionResult to its store only after
// Modify reported it, never the reverse.
type Modifier interface {
	// ActionSupport says what Modify can do, so that a caller refuses an
	// impossible action (labels on IMAP) before calling it.
	ActionSupport() ActionSupport
	// Modify applies a to each message of msgs and returns one result per
	// message, in order. A per-message failure (a message the provider no
	// longer has: ErrNotFound) is in its result; the error return is for
	// what stopped the whole call (ErrAuth, ErrTemporary, an invalid
	// action: a *ValidationError), in which case no result is returned
	// and the messages may be partly changed: calling Modify again with
	// the same action is safe.
	Modify(ctx context.Context, msgs []MessageRef, a Action) ([]ActionResult, error)
}

// MessageRef names a message to a Modifier as the connector last reported
// it (Message.ProviderID and Message.ProviderRef).
type MessageRef struct {
	ProviderID  string `json:"provider_id"`
	ProviderRef string `json:"provider_ref,omitempty"`
}

// ActionSupport is what a Modifier can do.
type ActionSupport struct {
	// Seen and Flagged: the message's \Seen and \Flagged state (Gmail:
	// the UNREAD and STARRED labels; Graph: isRead and flag).
	Seen, Flagged bool
	// Labels: labels can be added and removed (Gmail).
	Labels bool
	// Move: messages can be moved to a folder or a role.
	Move bool
	// MaxBatch is the most messages one Modify call takes; 0 means no
	// limit of the connector's own.
	MaxBatch int
	// ChecksTargets: Modify itself refuses, with a *ValidationError
	// naming folder, role, add_labels or remove_labels and before any
	// message is changed, a destination or label the mailbox does not
	// have. A caller then need not list the folders first (on Gmail that
	// listing, with counts, costs 1 + N quota units).
	ChecksTargets bool
}

// Action is what to do to messages. Set at least one field. Labels apply
// before a move.
type Action struct {
	// Seen marks the messages seen (true) or unseen (false).
	Seen *bool `json:"seen,omitempty"`
	// Flagged flags (true) or unflags (false) the messages.
	Flagged *bool `json:"flagged,omitempty"`
	// AddLabels and RemoveLabels are label ids (Folder.ID of Gmail's
	// labels).
	AddLabels    []string `json:"add_labels,omitempty"`
	RemoveLabels []string `json:"remove_labels,omitempty"`
	// MoveTo is the folder to move the messages to (a Folder.ID), or
	// MoveToRole the role of that folder; at most one of the two.
	MoveTo     string `json:"folder,omitempty"`
	MoveToRole Role   `json:"role,omitempty"`
}

// IsZero reports whether a asks for nothing.
func (a Action) IsZero() bool {
	return a.Seen == nil && a.Flagged == nil && len(a.AddLabels) == 0 && len(a.RemoveLabels) == 0 &&
		a.MoveTo == "" && a.MoveToRole == RoleNone
}

// Validate checks a against what s supports and returns a
// *ValidationError naming each field at fault (by its JSON name), or nil.
func (a Action) Validate(s ActionSupport) error {
	v := &ValidationError{Context: "connector: invalid action"}
	if a.IsZero() {
		v.add("action", "asks for nothing: set seen, flagged, add_labels, remove_labels, folder or role")
	}
	if a.Seen != nil && !s.Seen {
		v.add("seen", "is not supported by this provider")
	}
	if a.Flagged != nil && !s.Flagged {
		v.add("flagged", "is not supported by this provider")
	}
	for field, labels := range map[string][]string{"add_labels": a.AddLabels, "remove_labels": a.RemoveLabels} {
		if len(labels) > 0 && !s.Labels {
			v.add(field, "is not supported by this provider (it has folders, not labels)")
			continue
		}
		for i, l := range labels {
			if l == "" {
				v.Addf(fmt.Sprintf("%s[%d]", field, i), "is empty")
			}
		}
	}
	for _, l := range a.AddLabels {
		if l != "" && slices.Contains(a.RemoveLabels, l) {
			v.Addf("remove_labels", "also adds %q: a label cannot be added and removed at once", l)
		}
	}
	switch {
	case a.MoveTo != "" && a.MoveToRole != RoleNone:
		v.add("role", "cannot be given with folder: name one destination")
	case (a.MoveTo != "" || a.MoveToRole != RoleNone) && !s.Move:
		v.add("folder", "moving is not supported by this provider")
	case a.MoveToRole != RoleNone && !a.MoveToRole.Valid():
		v.Addf("role", "must be one of %v, got %q", Roles, string(a.MoveToRole))
	}
	if len(v.Fields) == 0 {
		return nil
	}
	sortFieldErrors(v.Fields)
	return v
}

// ActionResult is what became of one message of a Modify call.
type ActionResult struct {
	// Ref is the message as given to Modify.
	Ref MessageRef
	// Err is set when this message was not changed: ErrNotFound when the
	// provider no longer has it. The fields below are then zero.
	Err error
	// ProviderID and ProviderRef are the message's identity after the
	// action. They differ from Ref's when a move gave the message a new
	// address (IMAP: a UID in the target folder, from COPYUID); a caller
	// keeps its own id for the message and updates these.
	ProviderID  string
	ProviderRef string
	// Flags, Labels and Folders are the message's state after the action
	// (full sets), when Known; a connector that cannot tell leaves Known
	// false and the caller's next sync reports it.
	Flags   []string
	Labels  []string
	Folders []string
	Known   bool
}
