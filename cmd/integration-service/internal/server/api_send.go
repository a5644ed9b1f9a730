package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/sendrun"
	"github.com/ucsp/integration/store"
)

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
	// Automated marks a send no person wrote: it goes with
	// Auto-Submitted and only if the loop guard lets it.
	Automated bool `json:"automated,omitempty"`
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

// sendAPI serves the sends of the tenant API.
type sendAPI struct {
	store  store.Store
	sends  *sendrun.Runner
	quotas *tenantQuotas
	// maxBody is MAX_SEND_BODY_BYTES.
	maxBody int64
	logger  *slog.Logger
}

// send: POST /api/v1/integrations/{id}/messages stores the message
// in the outbox and enqueues its send job (connector/sendrun): 202 with
// the outbox entry. The Idempotency-Key header is required: the same key
// with the same request returns the first entry; with another request,
// 409.
func (h *sendAPI) send(w http.ResponseWriter, r *http.Request) {
	in, ok := loadIntegration(w, r, h.store, h.logger)
	if !ok {
		return
	}
	key := r.Header.Get(headerIdempotencyID)
	var ke *sendrun.KeyError
	if errors.As(sendrun.CheckIdempotencyKey(key), &ke) {
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the Idempotency-Key header is required", fieldError{Field: headerIdempotencyID, Message: ke.Reason})
		return
	}
	var req sendRequest
	if !decodeJSON(w, r, h.maxBody, &req) {
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
	msg, errs := outboundMessage(in, &req)
	var answers *store.Message
	if req.ReplyToMsg != "" {
		var err error
		if answers, err = h.sends.Answering(r.Context(), in.TenantID, in.ID, req.ReplyToMsg, msg); err != nil {
			errs = append(errs, fieldError{Field: "reply_to_message_id", Message: "is not a message of this integration"})
		}
	}
	var ve *connector.ValidationError
	if errors.As(msg.Validate(), &ve) {
		for _, f := range ve.Fields {
			if f.Field != "message_id" {
				errs = append(errs, fieldError{Field: f.Field, Message: f.Message})
			}
		}
	}
	if len(errs) > 0 {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the message cannot be sent", errs...)
		return
	}
	if !h.quotas.allowSend(w, r, in, msg) {
		return
	}
	e, created, err := h.sends.Enqueue(r.Context(), &sendrun.Send{
		TenantID: in.TenantID, IntegrationID: in.ID, IdempotencyKey: key,
		Fingerprint: sendrun.Fingerprint(in.ID, &req), Message: *msg,
		Automated: req.Automated, Answers: answers,
	})
	var loop *sendrun.LoopError
	if errors.As(err, &loop) {
		writeProblem(w, r, http.StatusUnprocessableEntity, probLoopGuard, "the automated send is refused by the loop guard: "+loop.Reason,
			fieldError{Field: loop.Field, Message: loop.Reason})
		return
	}
	if err != nil {
		storeError(w, r, h.logger, err, "integration")
		return
	}
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/v1/integrations/"+in.ID+"/outbox/"+e.ID)
	writeJSON(w, http.StatusAccepted, viewOutbox(e))
}

// outboundMessage makes the message of a send request, from the
// integration's own address (a from.email other than it is an error)
// with a new Message-ID.
func outboundMessage(in *store.Integration, req *sendRequest) (*connector.OutboundMessage, []fieldError) {
	var errs []fieldError
	from := connector.Address{Email: mailboxAddress(in.Provider, in.Config)}
	if req.From != nil {
		if req.From.Email != "" && !strings.EqualFold(req.From.Email, from.Email) {
			errs = append(errs, fieldError{Field: "from.email", Message: "must be the integration's own address, " + from.Email})
		}
		from.Name = req.From.Name
	}
	msg := &connector.OutboundMessage{
		MessageID: sendrun.NewMessageID(from.Email),
		From:      from, To: req.To, Cc: req.Cc, Bcc: req.Bcc, ReplyTo: req.ReplyTo,
		Subject: req.Subject, Text: req.Text, HTML: req.HTML,
		InReplyTo: req.InReplyTo, References: req.References, ThreadID: req.ThreadID,
		Headers: connector.Header(req.Headers),
	}
	for _, at := range req.Attachments {
		msg.Attachments = append(msg.Attachments, connector.OutboundAttachment{Filename: at.Filename, ContentType: at.ContentType, ContentID: at.ContentID, Content: at.Content})
	}
	return msg, errs
}
