package server

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// messagesAPI serves an integration's stored messages and outbox
// entries: GET /api/v1/integrations/{id}/messages[/{messageID}] and
// GET /api/v1/integrations/{id}/outbox/{outboxID}.
type messagesAPI struct {
	store  store.Store
	logger *slog.Logger
}

// messageView is a stored message as the API shows it. Listings leave
// out the bodies; attachment contents are never included.
type messageView struct {
	ID            string               `json:"id"`
	IntegrationID string               `json:"integration_id"`
	ProviderID    string               `json:"provider_id"`
	ThreadID      string               `json:"thread_id,omitempty"`
	MessageID     string               `json:"message_id,omitempty"`
	InReplyTo     []string             `json:"in_reply_to,omitempty"`
	References    []string             `json:"references,omitempty"`
	From          []connector.Address  `json:"from,omitempty"`
	To            []connector.Address  `json:"to,omitempty"`
	Cc            []connector.Address  `json:"cc,omitempty"`
	Bcc           []connector.Address  `json:"bcc,omitempty"`
	ReplyTo       []connector.Address  `json:"reply_to,omitempty"`
	Subject       string               `json:"subject"`
	Date          *time.Time           `json:"date"`
	ReceivedAt    *time.Time           `json:"received_at"`
	Text          string               `json:"text,omitempty"`
	HTML          string               `json:"html,omitempty"`
	Attachments   []attachmentView     `json:"attachments,omitempty"`
	Folders       []string             `json:"folders,omitempty"`
	Labels        []string             `json:"labels,omitempty"`
	Flags         []string             `json:"flags,omitempty"`
	Size          int64                `json:"size,omitempty"`
	Headers       map[string][]string  `json:"headers,omitempty"`
	Automated     *connector.Automated `json:"automated,omitempty"`
	Problems      []string             `json:"problems,omitempty"`
	DeletedAt     *time.Time           `json:"deleted_at"`
	CreatedAt     time.Time            `json:"created_at"`
	UpdatedAt     time.Time            `json:"updated_at"`
}

// attachmentView describes an attachment, without its content.
type attachmentView struct {
	ID          string `json:"id"`
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	ContentID   string `json:"content_id,omitempty"`
	Inline      bool   `json:"inline"`
	Size        int64  `json:"size"`
}

func viewMessage(m *store.Message, bodies bool) messageView {
	v := messageView{
		ID: m.ID, IntegrationID: m.IntegrationID, ProviderID: m.ProviderID, ThreadID: m.ThreadID,
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
		From: m.From, To: m.To, Cc: m.Cc, Bcc: m.Bcc, ReplyTo: m.ReplyTo,
		Subject: m.Subject, Date: timePtr(m.Date), ReceivedAt: timePtr(m.ReceivedAt),
		Folders: m.Folders, Labels: m.Labels, Flags: m.Flags, Size: m.Size,
		Headers: m.Headers, Automated: automatedOf(m.Automated), Problems: m.Problems,
		DeletedAt: timePtr(m.DeletedAt), CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
	if bodies {
		v.Text, v.HTML = m.Text, m.HTML
	}
	for _, at := range m.Attachments {
		v.Attachments = append(v.Attachments, attachmentView{ID: at.ID, Filename: at.Filename, ContentType: at.ContentType, ContentID: at.ContentID, Inline: at.Inline, Size: at.Size})
	}
	return v
}

// list: GET /api/v1/integrations/{id}/messages?limit=&cursor=&include_deleted=
func (h *messagesAPI) list(w http.ResponseWriter, r *http.Request) {
	in, ok := loadIntegration(w, r, h.store, h.logger)
	if !ok {
		return
	}
	lo, ok := parseListOptions(w, r, "include_deleted")
	if !ok {
		return
	}
	opts := store.ListMessagesOptions{ListOptions: lo}
	if v := r.URL.Query().Get("include_deleted"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "invalid query parameters", fieldError{Field: "include_deleted", Message: "must be true or false"})
			return
		}
		opts.IncludeDeleted = b
	}
	page, err := h.store.ListMessages(r.Context(), in.TenantID, in.ID, opts)
	if err != nil {
		storeError(w, r, h.logger, err, "integration")
		return
	}
	writeJSON(w, http.StatusOK, newPage(page, func(m *store.Message) messageView { return viewMessage(m, false) }))
}

// get: GET /api/v1/integrations/{id}/messages/{messageID}
func (h *messagesAPI) get(w http.ResponseWriter, r *http.Request) {
	id, mid := chi.URLParam(r, "id"), chi.URLParam(r, "messageID")
	if !store.ValidID(id) || !store.ValidID(mid) {
		notFound(w, r, "message")
		return
	}
	m, err := h.store.GetMessage(r.Context(), TenantID(r.Context()), id, mid)
	if err != nil {
		storeError(w, r, h.logger, err, "message")
		return
	}
	writeJSON(w, http.StatusOK, viewMessage(m, true))
}

// getOutbox: GET /api/v1/integrations/{id}/outbox/{outboxID}
func (h *messagesAPI) getOutbox(w http.ResponseWriter, r *http.Request) {
	id, oid := chi.URLParam(r, "id"), chi.URLParam(r, "outboxID")
	if !store.ValidID(id) || !store.ValidID(oid) {
		notFound(w, r, "outbox entry")
		return
	}
	e, err := h.store.GetOutbox(r.Context(), TenantID(r.Context()), oid)
	if err == nil && e.IntegrationID != id {
		err = store.ErrNotFound
	}
	if err != nil {
		storeError(w, r, h.logger, err, "outbox entry")
		return
	}
	writeJSON(w, http.StatusOK, viewOutbox(e))
}

// automatedOf is a message's classification as the API shows it: absent
// for a message stored before classification existed.
func automatedOf(a connector.Automated) *connector.Automated {
	if a.IsZero() {
		return nil
	}
	return &a
}
