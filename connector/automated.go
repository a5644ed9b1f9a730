package connector

import "slices"

// AutomatedKind says who wrote a message: a person, or which kind of
// machine.
type AutomatedKind string

// The kinds of Automated.
const (
	// AutomatedHuman: no evidence that a machine wrote the message.
	AutomatedHuman AutomatedKind = "human"
	// AutomatedAutoReply: an automatic response (out-of-office, vacation,
	// ticket acknowledgement, read receipt; RFC 3834).
	AutomatedAutoReply AutomatedKind = "auto_reply"
	// AutomatedBounce: a delivery status notification (RFC 3464) or a
	// mail server's bounce of another shape. Bounce.Action says whether
	// delivery failed, or was delayed or done.
	AutomatedBounce AutomatedKind = "bounce"
	// AutomatedList: mail from a mailing list or a bulk sender (List-Id,
	// List-Unsubscribe, Precedence: list).
	AutomatedList AutomatedKind = "list"
)

// Automated says whether a message was written by a machine, so that a
// platform that answers mail can decline to answer it. The package
// connector/automated computes it; internal/mime's Parse fills
// Message.Automated with it.
type Automated struct {
	// Kind is the verdict: AutomatedHuman when nothing says otherwise.
	Kind AutomatedKind `json:"kind"`
	// Reasons names the evidence, one line per header field or MIME
	// shape that counted, such as "Auto-Submitted: auto-replied".
	Reasons []string `json:"reasons,omitempty"`
	// Bounce is what a delivery status notification reports; set when
	// Kind is AutomatedBounce.
	Bounce *Bounce `json:"bounce,omitempty"`
	// List describes the mailing list the message came through, when its
	// header names one (whatever the Kind).
	List *MailingList `json:"list,omitempty"`
}

// IsZero reports whether a was never set (no Kind): a message stored
// before classification existed.
func (a Automated) IsZero() bool { return a.Kind == "" }

// IsAutomated reports whether a machine wrote the message.
func (a Automated) IsAutomated() bool { return a.Kind != "" && a.Kind != AutomatedHuman }

// Clone returns a deep copy of a.
func (a Automated) Clone() Automated {
	a.Reasons = slices.Clone(a.Reasons)
	if a.Bounce != nil {
		b := *a.Bounce
		b.Recipients = slices.Clone(b.Recipients)
		a.Bounce = &b
	}
	if a.List != nil {
		l := *a.List
		l.Unsubscribe = slices.Clone(l.Unsubscribe)
		a.List = &l
	}
	return a
}

// The actions of a delivery status notification (RFC 3464 §2.3.3).
// Only BounceFailed is a failure.
const (
	BounceFailed    = "failed"
	BounceDelayed   = "delayed"
	BounceDelivered = "delivered"
	BounceRelayed   = "relayed"
	BounceExpanded  = "expanded"
)

// Bounce is what a delivery status notification reports.
type Bounce struct {
	// Action sums the recipients' actions up: BounceFailed if delivery
	// to any recipient failed, else BounceDelayed if any was delayed,
	// else the first recipient's action (a success notice); empty when
	// the report names none.
	Action string `json:"action,omitempty"`
	// ReportingMTA is the mail server that wrote the report, if it says.
	ReportingMTA string `json:"reporting_mta,omitempty"`
	// Recipients are the recipients the report is about, in its order.
	Recipients []BounceRecipient `json:"recipients,omitempty"`
}

// Failed reports whether delivery failed for good to some recipient.
func (b *Bounce) Failed() bool { return b != nil && b.Action == BounceFailed }

// BounceRecipient is one recipient of a delivery status notification.
type BounceRecipient struct {
	// Address is the recipient's address (RFC 3464 Final-Recipient, or
	// Original-Recipient when that is all there is).
	Address string `json:"address"`
	// Action is BounceFailed, BounceDelayed, BounceDelivered,
	// BounceRelayed or BounceExpanded.
	Action string `json:"action,omitempty"`
	// Status is the enhanced status code (RFC 3463), such as "5.1.1".
	Status string `json:"status,omitempty"`
	// Diagnostic is the remote server's answer, such as "smtp; 550 5.1.1
	// user unknown".
	Diagnostic string `json:"diagnostic,omitempty"`
}

// MailingList is what a message's List-* header fields (RFC 2919, RFC
// 2369) say about the list it came through.
type MailingList struct {
	// ID is the List-Id without its phrase and angle brackets, such as
	// "announce.example.com".
	ID string `json:"id,omitempty"`
	// Unsubscribe are the List-Unsubscribe URIs (mailto:, https:), in
	// order.
	Unsubscribe []string `json:"unsubscribe,omitempty"`
}
