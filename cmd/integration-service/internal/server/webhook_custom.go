package server

import (
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// The kinds of body POST /webhooks/custom/{integrationId} takes.
const (
	// customTypeMessage is an inbound message (schema
	// CustomInboundMessage), the default when type is absent.
	customTypeMessage = "message"
	// customTypeConversation is a message posted to a conversation of a
	// chat or ticket system (schema CustomConversationMessage).
	customTypeConversation = "conversation.message"
)

// customInbound is the body of POST /webhooks/custom/{integrationId}:
// an inbound message or a conversation message (schemas
// CustomInboundMessage and CustomConversationMessage of the OpenAPI
// document), decoded in one pass into the union of their fields; message
// checks that only the fields of its type are set.
type customInbound struct {
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
	Attachments []customAttachment  `json:"attachments"`
}

// customAttachment is an attachment's metadata; the content stays with
// the sender.
type customAttachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	ContentID   string `json:"content_id"`
	Inline      bool   `json:"inline"`
	Size        int64  `json:"size"`
}

// customIngested is the answer to an ingested delivery.
type customIngested struct {
	// ID is the stored message's id.
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	// Duplicate: the message was stored before (same message_id, or
	// same webhook-id without one); nothing new was stored or announced.
	Duplicate bool `json:"duplicate"`
}

// customWebhook: POST /webhooks/custom/{integrationId}. The delivery is
// verified with the integration's secret (Standard Webhooks, with
// replay protection) before anything is read or stored. An unknown id,
// and an integration that is not a custom source, are 404 alike: the
// caller has proved nothing yet, so it learns nothing about other ids;
// each costs the caller a request more of its rate limit (429 once it
// is spent).
func (a *App) customWebhook(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "integrationId")
	if !store.ValidID(id) {
		if a.ingress.chargeUnknown(w, r, 1) {
			notFound(w, r, "integration")
		}
		return
	}
	src, err := a.customSourceFor(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Unknown ids cost their sender (they cost a query, once per id
		// and customMissTTL).
		if a.ingress.chargeUnknown(w, r, 1) {
			notFound(w, r, "integration")
		}
		return
	case err != nil:
		internalError(w, r, a.logger, "loading a custom source", err)
		return
	}
	src.handler.ServeHTTP(w, r)
}

// ingestCustom stores a verified delivery as an inbound message of in,
// with its message.received event, through CommitSync as a sync batch
// is (grouped with the integration's other deliveries of the moment, see
// commitCustom): a redelivery (same message_id, or same webhook-id)
// stores and announces nothing new.
func (a *App) ingestCustom(w http.ResponseWriter, r *http.Request, in *store.Integration, d webhook.Delivery, raw []byte) {
	if !isJSON(r.Header.Get("Content-Type")) {
		writeProblem(w, r, http.StatusUnsupportedMediaType, probMediaType, "the body must be application/json")
		return
	}
	if in.Status == store.StatusDisabled {
		writeProblem(w, r, http.StatusConflict, probConflict, "the integration is disabled")
		return
	}
	sc := ingestScratchPool.Get().(*ingestScratch)
	defer sc.release()
	if fe, ok := strictUnmarshal(raw, &sc.body); !ok {
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the body is not a valid JSON request", fe)
		return
	}
	msg := &sc.msg
	if errs := sc.body.message(d.ID, msg); len(errs) > 0 {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the message is not valid", errs...)
		return
	}
	// Cleaned as the MIME parser cleans mail: no line break or control
	// character in names, subject or ids, no directory in file names.
	mime.Sanitize(msg)
	ctx := r.Context()
	stored, err := a.commitCustom(ctx, in, &sc.item, d.ID, msg)
	switch {
	case errors.Is(err, store.ErrConflict):
		w.Header().Set("Retry-After", "1")
		writeProblem(w, r, http.StatusServiceUnavailable, probUnavailable, "the integration is busy; retry")
		return
	case err != nil:
		a.storeError(w, r, err, "integration")
		return
	}
	out := customIngested{ProviderID: msg.ProviderID, Duplicate: stored == nil}
	if stored != nil {
		out.ID = stored.ID
	} else if m, err := a.store.GetMessageByProviderID(ctx, in.TenantID, in.ID, msg.ProviderID); err == nil {
		out.ID = m.ID
	}
	writeJSON(w, http.StatusOK, out)
}

// ingestScratch is what one delivery to a custom source needs on its
// way to the store: the decoded body, the message made of it, and its
// place in the group commit. None of it outlives the request (the store
// keeps copies), so it is pooled: at thousands of deliveries a second,
// a kilobyte less for the collector each.
type ingestScratch struct {
	body customInbound
	msg  connector.Message
	item ingestItem
}

var ingestScratchPool = sync.Pool{New: func() any { return new(ingestScratch) }}

// release empties sc, so that it holds nothing of the request, and
// returns it to the pool.
func (sc *ingestScratch) release() {
	*sc = ingestScratch{}
	ingestScratchPool.Put(sc)
}

// message checks the body and turns it into *m, a connector message
// whose ProviderID is its message_id, or the webhook-id when it has
// none.
func (b *customInbound) message(webhookID string, m *connector.Message) []fieldError {
	switch b.Type {
	case "", customTypeMessage:
	case customTypeConversation:
		return b.conversationMessage(webhookID, m)
	default:
		return []fieldError{{Field: "type", Message: `must be "message" or "conversation.message"`}}
	}
	var errs []fieldError
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"conversation_id", b.ConversationID != ""}, {"event_id", b.EventID != ""},
		{"author", b.Author != nil}, {"created_at", b.CreatedAt != nil},
	} {
		if f.set {
			errs = append(errs, fieldError{Field: f.name, Message: `belongs to type "conversation.message"`})
		}
	}
	if b.From == nil || !validEmail(b.From.Email) {
		errs = append(errs, fieldError{Field: "from.email", Message: "is required and must be an email address"})
	}
	for i, list := range [][]connector.Address{b.To, b.Cc} {
		name := [...]string{"to", "cc"}[i]
		for j, ad := range list {
			if !validEmail(ad.Email) {
				errs = append(errs, fieldError{Field: name + "[" + strconv.Itoa(j) + "].email", Message: "must be an email address"})
			}
		}
	}
	if b.Text == "" && b.HTML == "" && b.Subject == "" {
		errs = append(errs, fieldError{Field: "text", Message: "subject, text or html is required"})
	}
	if len(b.MessageID) > 998 || strings.ContainsAny(b.MessageID, "<> \r\n") {
		errs = append(errs, fieldError{Field: "message_id", Message: "must be a Message-ID without angle brackets, at most 998 bytes"})
	}
	errs = append(errs, b.attachmentErrors()...)
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
func (b *customInbound) conversationMessage(webhookID string, m *connector.Message) []fieldError {
	var errs []fieldError
	if b.ConversationID == "" || len(b.ConversationID) > 998 {
		errs = append(errs, fieldError{Field: "conversation_id", Message: "is required, at most 998 bytes"})
	}
	if len(b.EventID) > 998 {
		errs = append(errs, fieldError{Field: "event_id", Message: "must be at most 998 bytes"})
	}
	if b.Author == nil || !validEmail(b.Author.Email) {
		errs = append(errs, fieldError{Field: "author.email", Message: "is required and must be an email address"})
	}
	if b.Text == "" && b.HTML == "" {
		errs = append(errs, fieldError{Field: "text", Message: "text or html is required"})
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
			errs = append(errs, fieldError{Field: f.name, Message: `belongs to type "message"; a conversation message has conversation_id, author and created_at`})
		}
	}
	errs = append(errs, b.attachmentErrors()...)
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
func (b *customInbound) attachmentErrors() []fieldError {
	var errs []fieldError
	for i, a := range b.Attachments {
		if a.Size < 0 {
			errs = append(errs, fieldError{Field: "attachments[" + strconv.Itoa(i) + "].size", Message: "must not be negative"})
		}
	}
	return errs
}

// attachments returns the attachments as a connector message keeps
// them, numbered from 1 where the sender gave no id.
func (b *customInbound) attachments() []connector.Attachment {
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

// validEmail reports whether s is a bare addr-spec (no display name).
func validEmail(s string) bool {
	if s == "" || len(s) > 320 {
		return false
	}
	if plainAddrSpec(s) {
		return true
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// plainAddrSpec reports whether s is local@domain with both parts ASCII
// dot-atoms (RFC 5322 3.4.1), the form of nearly every address: those
// net/mail takes as they are, without parsing them (which costs a few
// allocations). It says false for any other form, valid or not, which
// validEmail leaves to net/mail.
func plainAddrSpec(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && dotAtom(s[:at]) && dotAtom(s[at+1:])
}

// dotAtom reports whether s is atext characters in runs separated by
// single dots, ASCII only.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		case c >= 0x80 || !atext[c]:
			return false
		}
	}
	return true
}

// atext marks the ASCII atext characters of RFC 5322 3.2.3.
var atext = func() (t [128]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-/=?^_`{|}~" {
		t[c] = true
	}
	return t
}()
