package gmailtest

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) getProfile(w http.ResponseWriter, _ *http.Request, mb *Mailbox) error {
	mb.mu.Lock()
	p := wireProfile{EmailAddress: mb.email, HistoryID: mb.historyID}
	threads := map[string]bool{}
	for _, m := range mb.order {
		if !m.deleted {
			p.MessagesTotal++
			threads[m.threadID] = true
		}
	}
	p.ThreadsTotal = len(threads)
	mb.mu.Unlock()
	writeJSON(w, http.StatusOK, p)
	return nil
}

// listMessages is messages.list: newest first, labelIds (all must
// match), q (see Query), includeSpamTrash, maxResults (default 100, at
// most 500) and pageToken.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	q := r.URL.Query()
	limit, err := maxResults(q.Get("maxResults"), 100, 500)
	if err != nil {
		return err
	}
	query, err := parseQuery(q.Get("q"))
	if err != nil {
		return err
	}
	var after uint64 // the seq the previous page ended at
	if tok := q.Get("pageToken"); tok != "" {
		if after, err = decodePageToken(tok); err != nil {
			return err
		}
	}
	labels := normLabels(q["labelIds"])
	spamTrash := q.Get("includeSpamTrash") == "true"
	resp := wireListMessages{}
	var last uint64 // the seq of the last message on the page
	mb.mu.Lock()
	for _, m := range slices.Backward(mb.order) {
		if m.deleted || !hasAll(m.labels, labels) || !query.match(m) {
			continue
		}
		if !spamTrash && (slices.Contains(m.labels, LabelSpam) || slices.Contains(m.labels, LabelTrash)) {
			continue
		}
		resp.ResultSizeEstimate++
		if after != 0 && m.seq >= after {
			continue
		}
		if len(resp.Messages) == limit {
			resp.NextPageToken = encodePageToken(last)
			continue
		}
		resp.Messages = append(resp.Messages, wireMessage{ID: m.id, ThreadID: m.threadID})
		last = m.seq
	}
	mb.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func hasAll(have, want []string) bool {
	for _, l := range want {
		if !slices.Contains(have, l) {
			return false
		}
	}
	return true
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "full"
	}
	if !validFormat(format) {
		return badRequest("Invalid value at 'format': " + strconv.Quote(format))
	}
	mb.mu.Lock()
	m := mb.msgs[r.PathValue("id")]
	var out wireMessage
	if m != nil && !m.deleted {
		out = m.wire(format, r.URL.Query()["metadataHeaders"])
	}
	mb.mu.Unlock()
	if out.ID == "" {
		return notFound()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func validFormat(f string) bool {
	switch f {
	case "raw", "minimal", "metadata", "full":
		return true
	}
	return false
}

// wire renders m in a messages.get format. "full" carries the top-level
// part's headers and size, not its sub-parts.
func (m *message) wire(format string, metadataHeaders []string) wireMessage {
	out := wireMessage{
		ID: m.id, ThreadID: m.threadID, LabelIDs: slices.Clone(m.labels), Snippet: m.snippet,
		HistoryID: m.historyID, InternalDate: m.internalDate, SizeEstimate: len(m.raw),
	}
	switch format {
	case "raw":
		out.Raw = base64.URLEncoding.EncodeToString(m.raw)
	case "metadata", "full":
		hs := rawHeaders(m.raw)
		if format == "metadata" && len(metadataHeaders) > 0 {
			hs = slices.DeleteFunc(hs, func(h wireHeader) bool {
				return !slices.ContainsFunc(metadataHeaders, func(n string) bool { return strings.EqualFold(n, h.Name) })
			})
		}
		out.Payload = &wirePart{MimeType: mediaType(hs), Headers: hs}
		if format == "full" {
			out.Payload.Body = &wireBody{Size: len(m.raw)}
		}
	}
	return out
}

func (s *Server) getThread(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "full"
	}
	if format == "raw" || !validFormat(format) {
		return badRequest("Invalid value at 'format': " + strconv.Quote(format))
	}
	id := r.PathValue("id")
	out := wireThread{ID: id}
	mb.mu.Lock()
	for _, m := range mb.order {
		if !m.deleted && m.threadID == id {
			out.Messages = append(out.Messages, m.wire(format, r.URL.Query()["metadataHeaders"]))
			out.HistoryID = max(out.HistoryID, m.historyID)
			out.Snippet = m.snippet
		}
	}
	mb.mu.Unlock()
	if len(out.Messages) == 0 {
		return notFound()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func maxResults(v string, def, most int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badRequest("Invalid value at 'max_results': " + strconv.Quote(v))
	}
	if n == 0 {
		return def, nil
	}
	return min(n, most), nil
}

func encodePageToken(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("gmailtest:" + strconv.FormatUint(seq, 10)))
}

func decodePageToken(tok string) (uint64, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil {
		if n, ok := strings.CutPrefix(string(b), "gmailtest:"); ok {
			if seq, err := strconv.ParseUint(n, 10, 64); err == nil {
				return seq, nil
			}
		}
	}
	return 0, badRequest("Invalid pageToken")
}
