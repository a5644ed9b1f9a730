package gmailtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The limits Gmail puts on label changes.
const (
	maxLabelChange = 100  // labels added, or removed, by one call
	maxBatchIDs    = 1000 // ids of one messages.batchModify
)

// idRE is the shape of a Gmail message id: hexadecimal.
var idRE = regexp.MustCompile(`^[0-9a-f]{1,32}$`)

// listLabels is labels.list: every label, system ones first, without
// counts.
func (s *Server) listLabels(w http.ResponseWriter, _ *http.Request, mb *Mailbox) error {
	mb.mu.Lock()
	resp := wireListLabels{Labels: []wireLabel{}}
	for _, l := range mb.labelsLocked() {
		resp.Labels = append(resp.Labels, l.wire(mb, false))
	}
	mb.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// getLabel is labels.get: one label with its message and thread counts.
func (s *Server) getLabel(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	l := mb.labelLocked(r.PathValue("id"))
	if l == nil {
		return notFound()
	}
	writeJSON(w, http.StatusOK, l.wire(mb, true))
	return nil
}

// modifyMessage is messages.modify: the message after the change (id,
// threadId, labelIds), or 404.
func (s *Server) modifyMessage(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	var req wireModifyRequest
	if err := readBody(r, &req); err != nil {
		return err
	}
	id := r.PathValue("id")
	if !idRE.MatchString(id) {
		return badRequest("Invalid id value")
	}
	mb.mu.Lock()
	if err := mb.checkChangeLocked(req.AddLabelIDs, req.RemoveLabelIDs); err != nil {
		mb.mu.Unlock()
		return err
	}
	m := mb.msgs[id]
	if m == nil || m.deleted {
		mb.mu.Unlock()
		return notFound()
	}
	pushes := mb.modifyLocked(m, req.AddLabelIDs, req.RemoveLabelIDs)
	out := wireMessage{ID: m.id, ThreadID: m.threadID, LabelIDs: slices.Clone(m.labels)}
	mb.mu.Unlock()
	s.push(pushes)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// batchModify is messages.batchModify: the same change to up to 1,000
// messages, answered 204 with no body. Gmail documents no per-message
// outcome; the fake changes nothing and answers 404 when any id names no
// message, and 400 for a malformed id.
func (s *Server) batchModify(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	var req wireBatchModifyRequest
	if err := readBody(r, &req); err != nil {
		return err
	}
	switch {
	case len(req.IDs) == 0:
		return badRequest("ids must be specified")
	case len(req.IDs) > maxBatchIDs:
		return badRequest("Too many ids specified: at most " + strconv.Itoa(maxBatchIDs))
	}
	for _, id := range req.IDs {
		if !idRE.MatchString(id) {
			return badRequest("Invalid id value")
		}
	}
	mb.mu.Lock()
	if err := mb.checkChangeLocked(req.AddLabelIDs, req.RemoveLabelIDs); err != nil {
		mb.mu.Unlock()
		return err
	}
	for _, id := range req.IDs {
		if m := mb.msgs[id]; m == nil || m.deleted {
			mb.mu.Unlock()
			return notFound()
		}
	}
	var pushes []Push
	for _, id := range req.IDs {
		pushes = append(pushes, mb.modifyLocked(mb.msgs[id], req.AddLabelIDs, req.RemoveLabelIDs)...)
	}
	mb.mu.Unlock()
	s.push(pushes)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// trashMessage is messages.trash (add TRASH, keeping the other labels)
// and, with untrash, messages.untrash (remove TRASH).
func (s *Server) trashMessage(untrash bool) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
		if err := emptyBody(r); err != nil {
			return err
		}
		id := r.PathValue("id")
		if !idRE.MatchString(id) {
			return badRequest("Invalid id value")
		}
		mb.mu.Lock()
		m := mb.msgs[id]
		if m == nil || m.deleted {
			mb.mu.Unlock()
			return notFound()
		}
		var pushes []Push
		if untrash {
			pushes = mb.modifyLocked(m, nil, []string{LabelTrash})
		} else {
			pushes = mb.modifyLocked(m, []string{LabelTrash}, nil)
		}
		out := m.wire("minimal", nil)
		mb.mu.Unlock()
		s.push(pushes)
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// checkChangeLocked refuses a label change as Gmail does: nothing to
// change, too many labels, a label the mailbox does not have, or one
// only Gmail sets (SENT, DRAFT, CHAT).
func (mb *Mailbox) checkChangeLocked(add, remove []string) error {
	if len(add) == 0 && len(remove) == 0 {
		return badRequest("No label add or removes specified")
	}
	if len(add) > maxLabelChange || len(remove) > maxLabelChange {
		return badRequest("Too many label changes: at most " + strconv.Itoa(maxLabelChange) + " labels may be added or removed at once")
	}
	for _, l := range slices.Concat(add, remove) {
		if mb.labelLocked(l) == nil {
			return badRequest("Invalid label: " + l)
		}
		if slices.Contains(fixedLabels, l) {
			return badRequest("Invalid label: " + l + " cannot be added or removed")
		}
	}
	return nil
}

// readBody decodes a JSON request body into v as Google's JSON parser
// does: the body must be one JSON object, each field of the declared
// type, and no field the method does not declare.
func readBody(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return badRequest("Invalid JSON payload received. Content-Type " + strconv.Quote(ct) + " is not application/json.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return badRequest("Invalid JSON payload received. " + err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			return badRequest("Invalid JSON payload received. Invalid value at '" + ute.Field + "'.")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return badRequest(`Invalid JSON payload received. Unknown name "` + name + `": Cannot find field.`)
		default:
			return badRequest("Invalid JSON payload received. " + err.Error())
		}
	}
	if dec.More() {
		return badRequest("Invalid JSON payload received. Unexpected token after the object.")
	}
	return nil
}

// emptyBody refuses a body on a call that takes none (trash, untrash).
func emptyBody(r *http.Request) error {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<10))
	if len(bytes.TrimSpace(b)) > 0 && string(bytes.TrimSpace(b)) != "{}" {
		return badRequest("Invalid JSON payload received. This method takes no request body.")
	}
	return nil
}
