package server

import (
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// customInbound is the body of POST /webhooks/custom/{integrationId}: an
// inbound message (schema CustomInboundMessage of the OpenAPI document).
type customInbound struct {
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
// caller has proved nothing yet, so it learns nothing about other ids.
func (a *App) customWebhook(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "integrationId")
	if !store.ValidID(id) {
		notFound(w, r, "integration")
		return
	}
	src, err := a.customSourceFor(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		notFound(w, r, "integration")
		return
	case err != nil:
		a.logger.ErrorContext(r.Context(), "loading a custom source", "integration_id", id, "error", err)
		writeProblem(w, r, http.StatusInternalServerError, probInternal, "the delivery could not be verified")
		return
	}
	src.handler.ServeHTTP(w, r)
}

// ingestCustom stores a verified delivery as an inbound message of in,
// with its message.received event, through CommitSync as a sync batch
// is: a redelivery (same message_id, or same webhook-id) stores and
// announces nothing new.
func (a *App) ingestCustom(w http.ResponseWriter, r *http.Request, in *store.Integration) {
	if !isJSON(r.Header.Get("Content-Type")) {
		writeProblem(w, r, http.StatusUnsupportedMediaType, probMediaType, "the body must be application/json")
		return
	}
	if in.Status == store.StatusDisabled {
		writeProblem(w, r, http.StatusConflict, probConflict, "the integration is disabled")
		return
	}
	d, _ := webhook.DeliveryFromContext(r.Context())
	var body customInbound
	if !decodeJSON(w, r, a.cfg.MaxBodyBytes, &body) {
		return
	}
	msg, errs := body.message(d.ID)
	if len(errs) > 0 {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the message is not valid", errs...)
		return
	}
	ctx := r.Context()
	res, err := a.commitCustom(ctx, in, d.ID, msg)
	switch {
	case errors.Is(err, store.ErrConflict):
		w.Header().Set("Retry-After", "1")
		writeProblem(w, r, http.StatusServiceUnavailable, probUnavailable, "the integration is busy; retry")
		return
	case err != nil:
		a.storeError(w, r, err, "integration")
		return
	}
	a.enqueueEvents(ctx, res.Events...)
	out := customIngested{ProviderID: msg.ProviderID, Duplicate: len(res.Inserted) == 0}
	if len(res.Inserted) > 0 {
		out.ID = res.Inserted[0].ID
	} else if m, err := a.store.GetMessageByProviderID(ctx, in.TenantID, in.ID, msg.ProviderID); err == nil {
		out.ID = m.ID
	}
	writeJSON(w, http.StatusOK, out)
}

// message checks the body and turns it into a connector message whose
// ProviderID is its message_id, or the webhook-id when it has none.
func (b *customInbound) message(webhookID string) (*connector.Message, []fieldError) {
	var errs []fieldError
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
	for i, a := range b.Attachments {
		if a.Size < 0 {
			errs = append(errs, fieldError{Field: "attachments[" + strconv.Itoa(i) + "].size", Message: "must not be negative"})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	m := &connector.Message{
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
	for i, at := range b.Attachments {
		if at.ID == "" {
			at.ID = strconv.Itoa(i + 1)
		}
		m.Attachments = append(m.Attachments, connector.Attachment{
			ID: at.ID, Filename: at.Filename, ContentType: at.ContentType, ContentID: at.ContentID, Inline: at.Inline, Size: at.Size,
		})
	}
	return m, nil
}

// validEmail reports whether s is a bare addr-spec (no display name).
func validEmail(s string) bool {
	if s == "" || len(s) > 320 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
