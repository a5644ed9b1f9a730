package server

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/actionrun"
	"github.com/ucsp/integration/store"
)

// actionsAPI serves the actions on an integration's messages, done at
// the provider by connector/actionrun (the store follows what the
// provider reported, with message.updated and message.deleted events):
// PATCH /api/v1/integrations/{id}/messages/{messageID}, POST
// .../messages/{messageID}/move and POST .../messages/actions (a batch).
type actionsAPI struct {
	runner *actionrun.Runner
	// maxBody is MAX_BODY_BYTES.
	maxBody int64
	logger  *slog.Logger
}

// patchRequest is the body of PATCH .../messages/{messageID}.
type patchRequest struct {
	Seen         *bool    `json:"seen"`
	Flagged      *bool    `json:"flagged"`
	AddLabels    []string `json:"add_labels"`
	RemoveLabels []string `json:"remove_labels"`
}

// moveRequest is the body of POST .../messages/{messageID}/move: one of
// folder (a folder id of GET .../folders) or role.
type moveRequest struct {
	Folder string `json:"folder"`
	Role   string `json:"role"`
}

// actionInput is the action of a batch: the fields of a PATCH and of a
// move together.
type actionInput struct {
	Seen         *bool    `json:"seen"`
	Flagged      *bool    `json:"flagged"`
	AddLabels    []string `json:"add_labels"`
	RemoveLabels []string `json:"remove_labels"`
	Folder       string   `json:"folder"`
	Role         string   `json:"role"`
}

func (a actionInput) action() connector.Action {
	return connector.Action{Seen: a.Seen, Flagged: a.Flagged, AddLabels: a.AddLabels, RemoveLabels: a.RemoveLabels,
		MoveTo: a.Folder, MoveToRole: connector.Role(a.Role)}
}

// batchRequest is the body of POST .../messages/actions.
type batchRequest struct {
	MessageIDs []string    `json:"message_ids"`
	Action     actionInput `json:"action"`
}

func (a patchRequest) action() connector.Action {
	return connector.Action{Seen: a.Seen, Flagged: a.Flagged, AddLabels: a.AddLabels, RemoveLabels: a.RemoveLabels}
}

func (m moveRequest) action() connector.Action {
	return connector.Action{MoveTo: m.Folder, MoveToRole: connector.Role(m.Role)}
}

// actionResultView is what became of one message.
type actionResultView struct {
	ID string `json:"id"`
	// Outcome is updated, unchanged, gone or failed (actionrun.Outcome).
	Outcome string `json:"outcome"`
	// Error says why the provider refused the message (failed).
	Error   string       `json:"error,omitempty"`
	Message *messageView `json:"message"`
}

// batchResultView is the body of a 200 from POST .../messages/actions.
type batchResultView struct {
	Results []actionResultView `json:"results"`
}

func viewActionResult(mr actionrun.MessageResult) actionResultView {
	v := actionResultView{ID: mr.ID, Outcome: string(mr.Outcome)}
	if mr.Err != nil {
		v.Error = mr.Err.Error()
	}
	if mr.Message != nil {
		mv := viewMessage(mr.Message, false)
		v.Message = &mv
	}
	return v
}

// patch: PATCH /api/v1/integrations/{id}/messages/{messageID} marks the
// message seen or unseen, flagged or unflagged, adds or removes labels.
func (h *actionsAPI) patch(w http.ResponseWriter, r *http.Request) {
	var req patchRequest
	if !decodeJSON(w, r, h.maxBody, &req) {
		return
	}
	h.one(w, r, req.action(), nil)
}

// move: POST /api/v1/integrations/{id}/messages/{messageID}/move moves
// the message to a folder or to the folder of a role.
func (h *actionsAPI) move(w http.ResponseWriter, r *http.Request) {
	var req moveRequest
	if !decodeJSON(w, r, h.maxBody, &req) {
		return
	}
	var errs []fieldError
	if req.Folder == "" && req.Role == "" {
		errs = append(errs, fieldError{Field: "folder", Message: "is required: name a folder (see the integration's folders) or a role"})
	}
	h.one(w, r, req.action(), errs)
}

// one runs an action on the {messageID} message: 200 with its result,
// 410 when the provider no longer has it (the store marks it deleted).
func (h *actionsAPI) one(w http.ResponseWriter, r *http.Request, a connector.Action, errs []fieldError) {
	id, mid := chi.URLParam(r, "id"), chi.URLParam(r, "messageID")
	if !store.ValidID(id) || !store.ValidID(mid) {
		notFound(w, r, "message")
		return
	}
	if len(errs) > 0 {
		writeProblem(w, r, http.StatusUnprocessableEntity, probValidation, "the action is not valid", errs...)
		return
	}
	res, err := h.runner.Do(r.Context(), &actionrun.Request{TenantID: TenantID(r.Context()), IntegrationID: id, MessageIDs: []string{mid}, Action: a})
	if err != nil {
		actionError(w, r, h.logger, err, "")
		return
	}
	mr := res.Messages[0]
	switch mr.Outcome {
	case actionrun.OutcomeGone:
		writeProblem(w, r, http.StatusGone, probGone, "the provider no longer has the message; it is marked deleted")
	case actionrun.OutcomeFailed:
		writeProblem(w, r, http.StatusBadGateway, probProvider, "the provider refused the action on this message: "+mr.Err.Error())
	default:
		writeJSON(w, http.StatusOK, viewActionResult(mr))
	}
}

// batch: POST /api/v1/integrations/{id}/messages/actions runs one
// action on up to 100 messages of the integration; 200 with each one's
// result, in the request's order.
func (h *actionsAPI) batch(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !store.ValidID(id) {
		notFound(w, r, "integration")
		return
	}
	var req batchRequest
	if !decodeJSON(w, r, h.maxBody, &req) {
		return
	}
	res, err := h.runner.Do(r.Context(), &actionrun.Request{TenantID: TenantID(r.Context()), IntegrationID: id, MessageIDs: req.MessageIDs, Action: req.Action.action()})
	if err != nil {
		actionError(w, r, h.logger, err, "action.")
		return
	}
	out := batchResultView{Results: make([]actionResultView, len(res.Messages))}
	for i, mr := range res.Messages {
		out.Results[i] = viewActionResult(mr)
	}
	writeJSON(w, http.StatusOK, out)
}
