package custom

import (
	"strconv"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// The kinds of body a custom source delivers (the body's "type").
const (
	// TypeMessage is an inbound message, the default when type is
	// absent.
	TypeMessage = "message"
	// TypeConversation is a message posted to a conversation of a chat or
	// ticket system.
	TypeConversation = "conversation.message"
)

// body is a delivery's body: an inbound message or a conversation
// message, decoded in one pass into the union of their fields; message
// checks that only the fields of its type are set.
type body struct {
	Type string `json:"type"`

	// A conversation message's own fields.
	ConversationID string             `json:"conversation_id"`
	EventID        string             `json:"event_id"`
	Author         *connector.Address `json:"author"`
	CreatedAt      *time.Time         `json:"created_at"`

	From        *connector.Address  `json:"from"`
	To          []connector.Address `json:"to"`
	Cc          []connector.Address `json:"cc"`
	Subject     string              `json:"subject"`
	Text        string              `json:"text"`
	HTML        string              `json:"html"`
	MessageID   string              `json:"message_id"`
	InReplyTo   []string            `json:"in_reply_to"`
	References  []string            `json:"references"`
	ThreadID    string              `json:"thread_id"`
	Date        *time.Time          `json:"date"`
	Attachments []attachment        `json:"attachments"`
}

// attachment is an attachment's metadata; the content stays with the
// sender.
type attachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	ContentID   string `json:"content_id"`
	Inline      bool   `json:"inline"`
	Size        int64  `json:"size"`
}

// fieldErrors collects what is wrong with a body.
type fieldErrors []connector.FieldError

func (e *fieldErrors) add(field, msg string) {
	*e = append(*e, connector.FieldError{Field: field, Message: msg})
}

// message checks the body and turns it into *m, a connector message
// whose ProviderID is its message_id, or the webhook-id when it has
// none.
func (b *body) message(webhookID string, m *connector.Message) fieldErrors {
	switch b.Type {
	case "", TypeMessage:
	case TypeConversation:
		return b.conversationMessage(webhookID, m)
	default:
		return fieldErrors{{Field: "type", Message: `must be "message" or "conversation.message"`}}
	}
	var errs fieldErrors
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"conversation_id", b.ConversationID != ""}, {"event_id", b.EventID != ""},
		{"author", b.Author != nil}, {"created_at", b.CreatedAt != nil},
	} {
		if f.set {
			errs.add(f.name, `belongs to type "conversation.message"`)
		}
	}
	if b.From == nil || !mime.ValidAddrSpec(b.From.Email) {
		errs.add("from.email", "is required and must be an email address")
	}
	for i, list := range [][]connector.Address{b.To, b.Cc} {
		name := [...]string{"to", "cc"}[i]
		for j, ad := range list {
			if !mime.ValidAddrSpec(ad.Email) {
				errs.add(name+"["+strconv.Itoa(j)+"].email", "must be an email address")
			}
		}
	}
	if b.Text == "" && b.HTML == "" && b.Subject == "" {
		errs.add("text", "subject, text or html is required")
	}
	if len(b.MessageID) > 998 || strings.ContainsAny(b.MessageID, "<> \r\n") {
		errs.add("message_id", "must be a Message-ID without angle brackets, at most 998 bytes")
	}
	b.attachmentErrors(&errs)
	if len(errs) > 0 {
		return errs
	}
	*m = connector.Message{
		ProviderID: "webhook:" + webhookID,
		ThreadID:   b.ThreadID, MessageID: b.MessageID, InReplyTo: b.InReplyTo, References: b.References,
		From: []connector.Address{*b.From}, To: b.To, Cc: b.Cc,
		Subject: b.Subject, Text: b.Text, HTML: b.HTML, ReceivedAt: time.Now().UTC(),
	}
	if b.MessageID != "" {
		m.ProviderID = "message-id:" + b.MessageID
	}
	if b.Date != nil {
		m.Date = b.Date.UTC()
	}
	m.Attachments = b.attachments()
	return nil
}

// conversationMessage checks a conversation.message body and turns it
// into *m, a connector message of the conversation's thread, whose
// ProviderID is its event_id, or the webhook-id when it has none.
func (b *body) conversationMessage(webhookID string, m *connector.Message) fieldErrors {
	var errs fieldErrors
	if b.ConversationID == "" || len(b.ConversationID) > 998 {
		errs.add("conversation_id", "is required, at most 998 bytes")
	}
	if len(b.EventID) > 998 {
		errs.add("event_id", "must be at most 998 bytes")
	}
	if b.Author == nil || !mime.ValidAddrSpec(b.Author.Email) {
		errs.add("author.email", "is required and must be an email address")
	}
	if b.Text == "" && b.HTML == "" {
		errs.add("text", "text or html is required")
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"from", b.From != nil}, {"to", b.To != nil}, {"cc", b.Cc != nil}, {"message_id", b.MessageID != ""},
		{"in_reply_to", b.InReplyTo != nil}, {"references", b.References != nil},
		{"thread_id", b.ThreadID != ""}, {"date", b.Date != nil},
	} {
		if f.set {
			errs.add(f.name, `belongs to type "message"; a conversation message has conversation_id, author and created_at`)
		}
	}
	b.attachmentErrors(&errs)
	if len(errs) > 0 {
		return errs
	}
	*m = connector.Message{
		ProviderID: "webhook:" + webhookID,
		ThreadID:   b.ConversationID,
		From:       []connector.Address{*b.Author},
		Subject:    b.Subject, Text: b.Text, HTML: b.HTML, ReceivedAt: time.Now().UTC(),
		Attachments: b.attachments(),
	}
	if b.EventID != "" {
		m.ProviderID = "event:" + b.EventID
	}
	if b.CreatedAt != nil {
		m.Date = b.CreatedAt.UTC()
	}
	return nil
}

// attachmentErrors checks the attachments' metadata.
func (b *body) attachmentErrors(errs *fieldErrors) {
	for i, a := range b.Attachments {
		if a.Size < 0 {
			errs.add("attachments["+strconv.Itoa(i)+"].size", "must not be negative")
		}
	}
}

// attachments returns the attachments as a connector message keeps
// them, numbered from 1 where the sender gave no id.
func (b *body) attachments() []connector.Attachment {
	var out []connector.Attachment
	for i, at := range b.Attachments {
		if at.ID == "" {
			at.ID = strconv.Itoa(i + 1)
		}
		out = append(out, connector.Attachment{
			ID: at.ID, Filename: at.Filename, ContentType: at.ContentType, ContentID: at.ContentID, Inline: at.Inline, Size: at.Size,
		})
	}
	return out
}
