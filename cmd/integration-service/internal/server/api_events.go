package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook/outbox"
)

// eventsAPI serves the tenant's events: GET /api/v1/events and POST
// /api/v1/events/{id}/redeliver.
type eventsAPI struct {
	store store.Store
	// outbox redelivers.
	outbox *outbox.Outbox
	logger *slog.Logger
}

// eventView is an event as the API shows it (schema EventRecord).
type eventView struct {
	ID            string            `json:"id"`
	IntegrationID string            `json:"integration_id,omitempty"`
	Type          string            `json:"type"`
	Data          any               `json:"data"`
	Status        store.EventStatus `json:"status"`
	Attempts      int               `json:"attempts"`
	NextAttemptAt *time.Time        `json:"next_attempt_at,omitempty"`
	LastError     string            `json:"last_error,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	DeliveredAt   *time.Time        `json:"delivered_at,omitempty"`
}

func newEventView(ev *store.Event) eventView {
	v := eventView{
		ID: ev.ID, IntegrationID: ev.IntegrationID, Type: ev.Type, Data: ev.Payload, Status: ev.Status,
		Attempts: ev.Attempts, LastError: outbox.PublicError(ev.LastError), CreatedAt: ev.CreatedAt,
	}
	if data, err := outbox.Data(ev); err == nil {
		v.Data = data // with tenant_id, as delivered
	}
	if ev.Status == store.EventPending && !ev.NextAttemptAt.IsZero() {
		t := ev.NextAttemptAt
		v.NextAttemptAt = &t
	}
	if !ev.DeliveredAt.IsZero() {
		t := ev.DeliveredAt
		v.DeliveredAt = &t
	}
	return v
}

// list: GET /api/v1/events?limit=&cursor=&status=&integration_id=
func (h *eventsAPI) list(w http.ResponseWriter, r *http.Request) {
	lo, ok := parseListOptions(w, r, "status", "integration_id")
	if !ok {
		return
	}
	q := r.URL.Query()
	opts := store.ListEventsOptions{ListOptions: lo, Status: store.EventStatus(q.Get("status")), IntegrationID: q.Get("integration_id")}
	switch opts.Status {
	case "", store.EventPending, store.EventDelivered, store.EventDead:
	default:
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "invalid query parameters",
			fieldError{Field: "status", Message: `must be one of "pending", "delivered", "dead"`})
		return
	}
	page, err := h.store.ListEvents(r.Context(), TenantID(r.Context()), opts)
	if err != nil {
		storeError(w, r, h.logger, err, "event")
		return
	}
	writeJSON(w, http.StatusOK, newPage(page, newEventView))
}

// redeliver: POST /api/v1/events/{id}/redeliver makes a delivered or
// dead event pending again and enqueues its delivery (202).
func (h *eventsAPI) redeliver(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !store.ValidID(id) {
		notFound(w, r, "event")
		return
	}
	ev, err := h.outbox.Redeliver(r.Context(), TenantID(r.Context()), id)
	if err != nil {
		storeError(w, r, h.logger, err, "event")
		return
	}
	writeJSON(w, http.StatusAccepted, newEventView(ev))
}
