package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// maxIdempotencyKey bounds an Idempotency-Key.
const maxIdempotencyKey = 255

// sendRequest is the body of POST /api/v1/integrations/{id}/messages.
type sendRequest struct {
	From        *connector.Address  `json:"from,omitempty"`
	To          []connector.Address `json:"to,omitempty"`
	Cc          []connector.Address `json:"cc,omitempty"`
	Bcc         []connector.Address `json:"bcc,omitempty"`
	ReplyTo     []connector.Address `json:"reply_to,omitempty"`
	Subject     string              `json:"subject"`
	Text        string              `json:"text,omitempty"`
	HTML        string              `json:"html,omitempty"`
	Attachments []attachmentInput   `json:"attachments,omitempty"`
	InReplyTo   string              `json:"in_reply_to,omitempty"`
	References  []string            `json:"references,omitempty"`
	ThreadID    string              `json:"thread_id,omitempty"`
	Headers     map[string][]string `json:"headers,omitempty"`
	ReplyToMsg  string              `json:"reply_to_message_id,omitempty"`
}

// attachmentInput is a file to attach; Content is base64 in JSON.
type attachmentInput struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	ContentID   string `json:"content_id,omitempty"`
	Content     []byte `json:"content"`
}

// outboxView is an outbox entry as the API shows it.
type outboxView struct {
	ID            string                `json:"id"`
	IntegrationID string                `json:"integration_id"`
	Status        string                `json:"status"`
	MessageID     string                `json:"message_id"`
	Attempts      int                   `json:"attempts"`
	LastError     string                `json:"last_error,omitempty"`
	Result        *connector.SendResult `json:"result,omitempty"`
	CreatedAt     time.Time             `json:"created_at"`
	UpdatedAt     time.Time             `json:"updated_at"`
	SentAt        *time.Time            `json:"sent_at"`
}

func viewOutbox(e *store.OutboxEntry) outboxView {
	return outboxView{ID: e.ID, IntegrationID: e.IntegrationID, Status: string(e.Status), MessageID: e.Message.MessageID,
		Attempts: e.Attempts, LastError: e.LastError, Result: e.Result, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, SentAt: timePtr(e.SentAt)}
}

// sendMessage: POST /api/v1/integrations/{id}/messages stores the message
// in the outbox and enqueues its send job: 202 with the outbox entry.
// The Idempotency-Key header is required: the same key with the same
// request returns the first entry; with another request, 409.
func (a *App) sendMessage(w http.ResponseWriter, r *http.Request) {
	in, ok := a.loadIntegration(w, r)
	if !ok {
		return
	}
	key := r.Header.Get(headerIdempotencyID)
	if msg := checkIdempotencyKey(key); msg != "" {
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the Idempotency-Key header is required", fieldError{Field: headerIdempotencyID, Message: msg})
		return
	}
	var req sendRequest
	if !decodeJSON(w, r, a.cfg.MaxSendBodyBytes, &req) {
		return
	}
	switch {
	case in.Provider == providerCustom:
		writeProblem(w, r, http.StatusConflict, probConflict, "a custom source cannot send messages")
		return
	case in.Status == store.StatusDisabled:
		writeProblem(w, r, http.StatusConflict, probConflict, "the integration is disabled; enable it first")
		return
	}
	msg, errs := a.outboundMessage(r, in, &req)
	if len(errs) > 0 {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the message cannot be sent", errs...)
		return
	}
	if !a.allowSend(w, r, in, msg) {
		return
	}
	e, created, err := a.store.CreateOutbox(r.Context(), &store.OutboxEntry{
		TenantID: in.TenantID, IntegrationID: in.ID, IdempotencyKey: key,
		RequestHash: requestHash(in.ID, &req), Message: *msg,
	})
	if err != nil {
		a.storeError(w, r, err, "integration")
		return
	}
	if created || e.Status == store.OutboxPending {
		// On a replay of a pending entry, enqueue again: a no-op while its
		// job lives, a recovery if the first request died before enqueueing.
		if _, err := queue.EnqueueJSON(r.Context(), a.broker, jobSend, sendJob{TenantID: e.TenantID, OutboxID: e.ID},
			queue.ID("send:"+e.ID), queue.MaxAttempts(sendMaxAttempts)); err != nil {
			internalError(w, r, a.logger, "enqueue send", err)
			return
		}
	}
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/v1/integrations/"+in.ID+"/outbox/"+e.ID)
	writeJSON(w, http.StatusAccepted, viewOutbox(e))
}

// checkIdempotencyKey says what is wrong with a key, or "".
func checkIdempotencyKey(k string) string {
	switch {
	case k == "":
		return "is required"
	case len(k) > maxIdempotencyKey:
		return "must be at most 255 characters"
	case strings.ContainsFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e }):
		return "must be printable ASCII without spaces"
	}
	return ""
}

// requestHash fingerprints a send request for its integration, so that
// a key reused with another body or another integration is a conflict
// (the body is hashed as decoded, so whitespace does not matter).
func requestHash(integrationID string, req *sendRequest) string {
	b, _ := json.Marshal(req) // cannot fail: plain values
	h := sha256.New()
	h.Write([]byte(integrationID))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// outboundMessage builds and validates the message of a send request,
// threading it under reply_to_message_id when given.
func (a *App) outboundMessage(r *http.Request, in *store.Integration, req *sendRequest) (*connector.OutboundMessage, []fieldError) {
	var errs []fieldError
	from := connector.Address{Email: mailboxAddress(in.Provider, in.Config)}
	if req.From != nil {
		if req.From.Email != "" && !strings.EqualFold(req.From.Email, from.Email) {
			errs = append(errs, fieldError{Field: "from.email", Message: "must be the integration's own address, " + from.Email})
		}
		from.Name = req.From.Name
	}
	msg := &connector.OutboundMessage{
		MessageID: store.NewID() + "@" + domainOf(from.Email),
		From:      from, To: req.To, Cc: req.Cc, Bcc: req.Bcc, ReplyTo: req.ReplyTo,
		Subject: req.Subject, Text: req.Text, HTML: req.HTML,
		InReplyTo: req.InReplyTo, References: req.References, ThreadID: req.ThreadID,
		Headers: connector.Header(req.Headers),
	}
	for _, at := range req.Attachments {
		msg.Attachments = append(msg.Attachments, connector.OutboundAttachment{Filename: at.Filename, ContentType: at.ContentType, ContentID: at.ContentID, Content: at.Content})
	}
	if req.ReplyToMsg != "" {
		var orig *store.Message
		err := store.ErrNotFound
		if store.ValidID(req.ReplyToMsg) {
			orig, err = a.store.GetMessage(r.Context(), in.TenantID, in.ID, req.ReplyToMsg)
		}
		if err != nil {
			errs = append(errs, fieldError{Field: "reply_to_message_id", Message: "is not a message of this integration"})
		} else {
			threadUnder(msg, orig)
		}
	}
	if err := msg.Validate(); err != nil {
		var ve *connector.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				if f.Field != "message_id" {
					errs = append(errs, fieldError{Field: f.Field, Message: f.Message})
				}
			}
		}
	}
	return msg, errs
}

// threadUnder makes msg a reply to orig: In-Reply-To, References, the
// provider's thread, and "Re: " + its subject when msg has none.
func threadUnder(msg *connector.OutboundMessage, orig *store.Message) {
	if msg.InReplyTo == "" && orig.MessageID != "" {
		msg.InReplyTo = orig.MessageID
		if len(msg.References) == 0 {
			msg.References = append(append([]string(nil), orig.References...), orig.MessageID)
		}
	}
	if msg.ThreadID == "" {
		msg.ThreadID = orig.ThreadID
	}
	msg.ReplyToProviderID = orig.ProviderID
	if msg.Subject == "" && orig.Subject != "" {
		msg.Subject = orig.Subject
		if !strings.HasPrefix(strings.ToLower(orig.Subject), "re:") {
			msg.Subject = "Re: " + orig.Subject
		}
	}
}

// domainOf returns the domain of an address, or "localhost".
func domainOf(email string) string {
	if _, d, ok := strings.Cut(email, "@"); ok && d != "" {
		return d
	}
	return "localhost"
}
