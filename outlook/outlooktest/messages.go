package outlooktest

import (
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// getMe serves GET /me: the signed-in user.
func (s *Server) getMe(w http.ResponseWriter, _ *http.Request, mb *Mailbox) error {
	name, _, _ := strings.Cut(mb.email, "@")
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context":    s.URL + "/v1.0/$metadata#users/$entity",
		"businessPhones":    []string{},
		"displayName":       name,
		"givenName":         name,
		"mail":              mb.email,
		"userPrincipalName": mb.email,
		"id":                mb.id,
	})
	return nil
}

// filterRE is the one $filter the server understands:
// internetMessageId eq '<id@host>'.
var filterRE = regexp.MustCompile(`^\s*internetMessageId\s+eq\s+'((?:[^']|'')*)'\s*$`)

// listMessages serves GET /me/mailFolders/{folder}/messages with $filter
// (internetMessageId eq '...'), $top and $select, newest first.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	fid, ok := mb.resolve(r.PathValue("folder"))
	if !ok {
		return notFound("folder " + r.PathValue("folder"))
	}
	q := r.URL.Query()
	var want string
	if f := q.Get("$filter"); f != "" {
		m := filterRE.FindStringSubmatch(f)
		if m == nil {
			return badRequest("Invalid filter clause: outlooktest understands only internetMessageId eq '<id>'")
		}
		want = strings.ReplaceAll(m[1], "''", "'")
	}
	top := 10
	if t := q.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 1000 {
			return badRequest("Invalid $top value")
		}
		top = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []*message
	for _, m := range mb.msgs {
		if m.deleted || m.folder != fid {
			continue
		}
		if want != "" && "<"+m.parsed.MessageID+">" != want {
			continue
		}
		found = append(found, m)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].id > found[j].id })
	if len(found) > top {
		found = found[:top]
	}
	value := make([]any, 0, len(found))
	for _, m := range found {
		value = append(value, m.wire(r, selectList(q.Get("$select"))))
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": s.URL + "/v1.0/$metadata#users('" + mb.id + "')/mailFolders('" + fid + "')/messages", "value": value})
	return nil
}

func (s *Server) lookup(mb *Mailbox, id string) (*message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := mb.msgs[immutableID(id)]
	if m == nil || m.deleted {
		return nil, notFound("message")
	}
	return m, nil
}

// getMessage serves GET /me/messages/{id} with $select.
func (s *Server) getMessage(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	m, err := s.lookup(mb, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	body := m.wire(r, selectList(r.URL.Query().Get("$select")))
	s.mu.Unlock()
	body["@odata.context"] = s.URL + "/v1.0/$metadata#users('" + mb.id + "')/messages/$entity"
	writeJSON(w, http.StatusOK, body)
	return nil
}

// getValue serves GET /me/messages/{id}/$value: the message's MIME.
func (s *Server) getValue(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	m, err := s.lookup(mb, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(m.raw)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(m.raw)
	return nil
}
