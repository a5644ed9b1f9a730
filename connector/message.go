package connector

import (
	"bytes"
	"net/mail"
	"net/textproto"
	"slices"
	"time"
)

// Message is a mail message normalised from any provider.
//
// Bodies are decoded to UTF-8 text. Attachments carry metadata and, when
// the connector had them at hand, their content; otherwise their content is
// read through AttachmentFetcher.
type Message struct {
	// ProviderID identifies the message at the provider, stable across
	// syncs (Gmail message id, Graph message id, IMAP folder + UIDVALIDITY
	// + UID). Unique within one mailbox.
	ProviderID string `json:"provider_id"`
	// ProviderRef is the message's current address at the provider when
	// that differs from its identity and may change: an IMAP folder +
	// UIDVALIDITY + UID, which a UIDVALIDITY change renumbers while
	// ProviderID stays. Empty when ProviderID is the address. Callers
	// store it beside ProviderID, so that a Change naming a message by
	// its ref alone can be resolved.
	ProviderRef string `json:"provider_ref,omitempty"`
	// ThreadID is the provider's conversation id, if it has one.
	ThreadID string `json:"thread_id,omitempty"`

	// MessageID is the RFC 5322 Message-ID without angle brackets.
	MessageID string `json:"message_id,omitempty"`
	// InReplyTo lists the Message-IDs of In-Reply-To, without brackets.
	InReplyTo []string `json:"in_reply_to,omitempty"`
	// References lists the Message-IDs of References, without brackets,
	// oldest first.
	References []string `json:"references,omitempty"`

	From    []Address `json:"from,omitempty"`
	To      []Address `json:"to,omitempty"`
	Cc      []Address `json:"cc,omitempty"`
	Bcc     []Address `json:"bcc,omitempty"`
	ReplyTo []Address `json:"reply_to,omitempty"`

	Subject string `json:"subject,omitempty"`
	// Date is the Date header; zero when missing or unparsable.
	Date time.Time `json:"date,omitzero"`
	// ReceivedAt is when the provider received the message (IMAP
	// INTERNALDATE, Gmail internalDate, Graph receivedDateTime); zero if
	// unknown.
	ReceivedAt time.Time `json:"received_at,omitzero"`

	// Text and HTML are the decoded plain-text and HTML bodies.
	Text string `json:"text,omitempty"`
	HTML string `json:"html,omitempty"`

	Attachments []Attachment `json:"attachments,omitempty"`

	// Folders are the folders (IMAP mailboxes, Graph mail folders) that
	// hold the message; Labels are Gmail labels.
	Folders []string `json:"folders,omitempty"`
	Labels  []string `json:"labels,omitempty"`
	// Flags are IMAP-style flags (see FlagSeen and friends), normalised by
	// every connector.
	Flags []string `json:"flags,omitempty"`

	// Size is the size of the raw RFC 5322 message in bytes, if known.
	Size int64 `json:"size,omitempty"`

	// Headers holds selected headers useful to a help desk (List-Id,
	// Auto-Submitted, Precedence, Return-Path, Delivered-To, ...), keyed by
	// canonical name. It is not every header of the message.
	Headers Header `json:"headers,omitempty"`

	// Automated says whether a machine wrote the message (auto-reply,
	// bounce, list mail) and why; zero when it was not classified.
	Automated Automated `json:"automated,omitzero"`

	// Problems lists what could not be decoded (an unknown charset, a
	// broken part). A message with problems is still usable: the parts
	// that failed are kept as well as could be.
	Problems []string `json:"problems,omitempty"`

	// History reports that the mailbox held the message when its
	// integration's backfill mark was taken, or when a resync started
	// (see Backfiller): mail to store, not to announce as new. Only a
	// Sync from a Backfiller's cursor sets it; it is not serialised.
	History bool `json:"-"`
}

// The flags connectors normalise to (RFC 9051 system flags).
const (
	FlagSeen     = `\Seen`
	FlagAnswered = `\Answered`
	FlagFlagged  = `\Flagged`
	FlagDeleted  = `\Deleted`
	FlagDraft    = `\Draft`
)

// HasFlag reports whether m has flag f.
func (m *Message) HasFlag(f string) bool {
	for _, g := range m.Flags {
		if g == f {
			return true
		}
	}
	return false
}

// Address is a mailbox address with an optional display name.
type Address struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// String formats a as an RFC 5322 address, quoting and encoding the name as
// needed.
func (a Address) String() string {
	return (&mail.Address{Name: a.Name, Address: a.Email}).String()
}

// ParseAddress parses one RFC 5322 address such as
// `"Jane Doe" <jane@example.com>` or `jane@example.com`.
func ParseAddress(s string) (Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return Address{}, err
	}
	return Address{Name: a.Name, Email: a.Address}, nil
}

// Attachment describes one attachment or inline part of a Message.
type Attachment struct {
	// ID identifies the attachment within its message for
	// AttachmentFetcher: a MIME part number such as "2.1" (RFC 3501
	// numbering, so an attachment inside an attached message/rfc822 "2"
	// is "2.2"), a Gmail attachmentId, a Graph attachment id.
	ID          string `json:"id"`
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	// ContentID is the Content-ID without angle brackets (for inline
	// images referenced as cid: from the HTML body).
	ContentID string `json:"content_id,omitempty"`
	// Inline reports Content-Disposition: inline, or a part without a
	// disposition that has a Content-ID (an image of a multipart/related
	// HTML body).
	Inline bool `json:"inline,omitempty"`
	// Size is the decoded size in bytes, if known.
	Size int64 `json:"size,omitempty"`
	// Content is the decoded content when the connector had it at hand and
	// it was within its size limit; nil otherwise. It is not serialised.
	Content []byte `json:"-"`
}

// Header maps canonical header names (textproto.CanonicalMIMEHeaderKey) to
// their values.
type Header map[string][]string

// Get returns the first value of key, or "".
func (h Header) Get(key string) string {
	if v := h[textproto.CanonicalMIMEHeaderKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Add appends value to key.
func (h Header) Add(key, value string) {
	k := textproto.CanonicalMIMEHeaderKey(key)
	h[k] = append(h[k], value)
}

// Clone returns a deep copy of m: changing the copy's slices, maps or
// attachment content does not change m.
func (m *Message) Clone() *Message {
	c := new(Message)
	m.DeepCopyInto(c)
	return c
}

// DeepCopyInto sets *out to a deep copy of m, as Clone returns, without
// allocating the Message itself: for copies held by value, such as a
// struct embedding a Message.
func (m *Message) DeepCopyInto(out *Message) {
	*out = *m
	out.InReplyTo = slices.Clone(m.InReplyTo)
	out.References = slices.Clone(m.References)
	out.From = slices.Clone(m.From)
	out.To = slices.Clone(m.To)
	out.Cc = slices.Clone(m.Cc)
	out.Bcc = slices.Clone(m.Bcc)
	out.ReplyTo = slices.Clone(m.ReplyTo)
	out.Attachments = slices.Clone(m.Attachments)
	for i := range out.Attachments {
		out.Attachments[i].Content = bytes.Clone(out.Attachments[i].Content)
	}
	out.Folders = slices.Clone(m.Folders)
	out.Labels = slices.Clone(m.Labels)
	out.Flags = slices.Clone(m.Flags)
	out.Headers = m.Headers.Clone()
	out.Automated = m.Automated.Clone()
	out.Problems = slices.Clone(m.Problems)
}

// Clone returns a deep copy of h (nil for nil).
func (h Header) Clone() Header {
	if h == nil {
		return nil
	}
	c := make(Header, len(h))
	for k, v := range h {
		c[k] = slices.Clone(v)
	}
	return c
}
