package gmailtest

import (
	"net/http"
	"slices"
	"strconv"
)

// listHistory is history.list: the records after startHistoryId, oldest
// first, filtered by historyTypes and labelId, maxResults (default 100,
// at most 500) per page. A startHistoryId older than the mailbox's
// retained history (see ExpireHistory) is 404 notFound, as Gmail answers
// one that is about a week old; the response's historyId is the
// mailbox's current one.
func (s *Server) listHistory(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	q := r.URL.Query()
	start, err := strconv.ParseUint(q.Get("startHistoryId"), 10, 64)
	if err != nil || start == 0 {
		return badRequest("Invalid startHistoryId " + strconv.Quote(q.Get("startHistoryId")))
	}
	limit, err := maxResults(q.Get("maxResults"), 100, 500)
	if err != nil {
		return err
	}
	if tok := q.Get("pageToken"); tok != "" {
		if start, err = decodePageToken(tok); err != nil {
			return err
		}
	}
	types := map[string]bool{}
	for _, t := range q["historyTypes"] {
		switch t {
		case "messageAdded", "messageDeleted", "labelAdded", "labelRemoved":
			types[t] = true
		default:
			return badRequest("Invalid value at 'history_types': " + strconv.Quote(t))
		}
	}
	label := q.Get("labelId")

	mb.mu.Lock()
	defer mb.mu.Unlock()
	if start < mb.minStart {
		return notFound()
	}
	resp := wireListHistory{HistoryID: mb.historyID}
	for _, rec := range mb.history {
		if rec.id <= start {
			continue
		}
		if len(types) > 0 && !types[historyTypeNames[rec.kind]] {
			continue
		}
		if label != "" && !slices.Contains(rec.msg.LabelIDs, label) && !slices.Contains(rec.labels, label) {
			continue
		}
		if len(resp.History) == limit {
			resp.NextPageToken = encodePageToken(resp.History[limit-1].ID)
			break
		}
		resp.History = append(resp.History, rec.wire())
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (rec record) wire() wireHistory {
	h := wireHistory{ID: rec.id, Messages: []wireMessage{{ID: rec.msg.ID, ThreadID: rec.msg.ThreadID}}}
	msg := rec.msg
	msg.LabelIDs = slices.Clone(msg.LabelIDs)
	switch rec.kind {
	case recAdded:
		h.MessagesAdded = []wireMessageEvent{{Message: msg}}
	case recDeleted:
		h.MessagesDeleted = []wireMessageEvent{{Message: msg}}
	case recLabelsAdded:
		h.LabelsAdded = []wireLabelEvent{{Message: msg, LabelIDs: slices.Clone(rec.labels)}}
	case recLabelsRemoved:
		h.LabelsRemoved = []wireLabelEvent{{Message: msg, LabelIDs: slices.Clone(rec.labels)}}
	}
	return h
}
