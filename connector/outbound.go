package connector

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MaxOutboundSize is the largest message, in bytes of its rendered MIME
// form, that any connector accepts (Gmail's limit, the smallest of the
// providers').
const MaxOutboundSize = 36_700_160

// OutboundMessage is a message to send.
type OutboundMessage struct {
	// MessageID is the RFC 5322 Message-ID (without angle brackets) the
	// message is sent with. The caller sets it once (e.g. when it writes
	// its outbox row) and keeps it across retries; it is how a retried
	// send is recognised.
	MessageID string `json:"message_id"`

	From    Address   `json:"from"`
	To      []Address `json:"to,omitempty"`
	Cc      []Address `json:"cc,omitempty"`
	Bcc     []Address `json:"bcc,omitempty"`
	ReplyTo []Address `json:"reply_to,omitempty"`

	Subject string `json:"subject"`
	Text    string `json:"text,omitempty"`
	HTML    string `json:"html,omitempty"`

	Attachments []OutboundAttachment `json:"attachments,omitempty"`

	// InReplyTo is the Message-ID (without brackets) of the message this
	// one answers; References the thread's Message-IDs, oldest first. Set
	// both for a reply.
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	// ThreadID is the provider's thread id to file the reply in (Gmail
	// threadId); ReplyToProviderID is the provider id of the message
	// answered (Graph reply). Connectors use what their provider needs.
	ThreadID          string `json:"thread_id,omitempty"`
	ReplyToProviderID string `json:"reply_to_provider_id,omitempty"`

	// Headers are extra headers to set. Address, threading, MIME and
	// Message-ID headers cannot be set this way, nor the headers that
	// mail servers add on the way (Received, Return-Path,
	// DKIM-Signature, Resent-*): a sender setting those could forge a
	// message's path or signature. Several values of one name are sent
	// as one comma-separated field.
	Headers Header `json:"headers,omitempty"`
}

// OutboundAttachment is a file to attach to an OutboundMessage.
type OutboundAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	// ContentID makes the attachment an inline part referenced from the
	// HTML body as cid:ContentID.
	ContentID string `json:"content_id,omitempty"`
	Content   []byte `json:"content"`
}

// SendResult is what a provider reports about a sent message.
type SendResult struct {
	// ProviderID is the sent message's id at the provider, if it gives one
	// (Gmail does, SMTP does not).
	ProviderID string `json:"provider_id,omitempty"`
	ThreadID   string `json:"thread_id,omitempty"`
	// MessageID is the Message-ID the message was sent with.
	MessageID string `json:"message_id"`
	// Response is the server's acceptance text (an SMTP reply), if any.
	Response string `json:"response,omitempty"`
}

// reservedHeaders cannot be set through OutboundMessage.Headers: they are
// derived from the message's fields.
var reservedHeaders = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true,
	"Sender": true, "Subject": true, "Date": true, "Message-Id": true,
	"In-Reply-To": true, "References": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true,
	"Content-Disposition": true,
}

// transitHeaders cannot be set through OutboundMessage.Headers: they are
// written by the servers a message passes through (trace fields, RFC
// 5321 §4.4; the DKIM signature, RFC 6376) or when it is resent (RFC
// 5322 §3.6.6, every Resent-* field). Given by a sender they would
// forge where the message has been or who vouched for it.
var transitHeaders = map[string]bool{
	"Received": true, "Return-Path": true, "Dkim-Signature": true,
}

// isTransitHeader reports whether k (canonical) is a header only mail
// servers may write.
func isTransitHeader(k string) bool {
	return transitHeaders[k] || strings.HasPrefix(k, "Resent-")
}

// Validate reports what makes m unsendable, as a *ValidationError listing
// every problem, or nil.
func (m *OutboundMessage) Validate() error {
	var v ValidationError
	if m.MessageID == "" {
		v.add("message_id", "is required")
	} else if !validMessageID(m.MessageID) {
		v.add("message_id", "must look like local@domain, without angle brackets or spaces")
	}
	if m.From.Email == "" {
		v.add("from", "is required")
	} else if err := checkAddress(m.From); err != nil {
		v.add("from", err.Error())
	}
	if len(m.To)+len(m.Cc)+len(m.Bcc) == 0 {
		v.add("to", "at least one recipient (to, cc or bcc) is required")
	}
	for field, list := range map[string][]Address{"to": m.To, "cc": m.Cc, "bcc": m.Bcc, "reply_to": m.ReplyTo} {
		for i, a := range list {
			if err := checkAddress(a); err != nil {
				v.add(fmt.Sprintf("%s[%d]", field, i), err.Error())
			}
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		v.add("subject", "must not contain line breaks")
	}
	if m.InReplyTo != "" && !validMessageID(m.InReplyTo) {
		v.add("in_reply_to", "must look like local@domain, without angle brackets or spaces")
	}
	for i, r := range m.References {
		if !validMessageID(r) {
			v.add(fmt.Sprintf("references[%d]", i), "must look like local@domain, without angle brackets or spaces")
		}
	}
	for i, a := range m.Attachments {
		if a.Filename == "" {
			v.add(fmt.Sprintf("attachments[%d].filename", i), "is required")
		}
		if strings.ContainsAny(a.Filename+a.ContentType+a.ContentID, "\r\n") {
			v.add(fmt.Sprintf("attachments[%d]", i), "must not contain line breaks")
		}
	}
	for k, vals := range m.Headers {
		if ck := canonicalKey(k); reservedHeaders[ck] {
			v.add("headers."+k, "is set from the message's fields and cannot be given as a header")
			continue
		} else if isTransitHeader(ck) {
			v.add("headers."+k, "is written by mail servers on the way (trace, resend and DKIM headers) and cannot be given")
			continue
		}
		if !validHeaderName(k) {
			v.add("headers."+k, "is not a valid header name")
		}
		for _, val := range vals {
			if strings.ContainsAny(val, "\r\n") {
				v.add("headers."+k, "must not contain line breaks")
			}
		}
	}
	if len(v.Fields) == 0 {
		return nil
	}
	sortFieldErrors(v.Fields)
	return &v
}

func checkAddress(a Address) error {
	if strings.ContainsAny(a.Name+a.Email, "\r\n") {
		return errors.New("must not contain line breaks")
	}
	p, err := ParseAddress(a.Email)
	if err != nil || p.Email != a.Email {
		return fmt.Errorf("%q is not a valid email address", a.Email)
	}
	return nil
}

func validMessageID(id string) bool {
	at := strings.IndexByte(id, '@')
	if at <= 0 || at == len(id)-1 || len(id) > 995 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// Clone returns a deep copy of m: changing the copy's slices, maps or
// attachment content does not change m.
func (m *OutboundMessage) Clone() *OutboundMessage {
	c := new(OutboundMessage)
	m.DeepCopyInto(c)
	return c
}

// DeepCopyInto sets *out to a deep copy of m, as Clone returns, without
// allocating the OutboundMessage itself.
func (m *OutboundMessage) DeepCopyInto(out *OutboundMessage) {
	*out = *m
	out.To = slices.Clone(m.To)
	out.Cc = slices.Clone(m.Cc)
	out.Bcc = slices.Clone(m.Bcc)
	out.ReplyTo = slices.Clone(m.ReplyTo)
	out.Attachments = slices.Clone(m.Attachments)
	for i := range out.Attachments {
		out.Attachments[i].Content = bytes.Clone(out.Attachments[i].Content)
	}
	out.References = slices.Clone(m.References)
	out.Headers = m.Headers.Clone()
}
