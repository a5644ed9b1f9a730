package outlooktest

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// deltaState is what a skip or delta token holds: the mailbox's epoch
// (ExpireDeltaTokens changes it), the folder, the round's log range
// [from, to) and, for a skip token, how far into the round the client
// is, and the $select of the first request.
type deltaState struct {
	epoch    int64
	folder   string
	from, to int
	offset   int
	sel      string
}

func (d deltaState) encode() string {
	s := strings.Join([]string{"v1", strconv.FormatInt(d.epoch, 10), d.folder, strconv.Itoa(d.from), strconv.Itoa(d.to), strconv.Itoa(d.offset), d.sel}, "|")
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

var errBadToken = errors.New("malformed token")

func decodeDelta(tok string) (deltaState, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return deltaState{}, errBadToken
	}
	p := strings.Split(string(b), "|")
	if len(p) != 7 || p[0] != "v1" {
		return deltaState{}, errBadToken
	}
	var d deltaState
	var e1, e2, e3, e4 error
	d.epoch, e1 = strconv.ParseInt(p[1], 10, 64)
	d.from, e2 = strconv.Atoi(p[3])
	d.to, e3 = strconv.Atoi(p[4])
	d.offset, e4 = strconv.Atoi(p[5])
	if e1 != nil || e2 != nil || e3 != nil || e4 != nil {
		return deltaState{}, errBadToken
	}
	d.folder, d.sel = p[2], p[6]
	return d, nil
}

var errSyncState = graphError{status: http.StatusGone, code: CodeSyncStateNotFound, message: "The sync state generation is not found or has expired; a full sync is required."}

// delta serves GET /me/mailFolders/{folder}/messages/delta: a first
// request starts a round over the folder's current messages; the
// response pages with @odata.nextLink ($skiptoken) and ends with an
// @odata.deltaLink ($deltatoken) from which the next round reports what
// changed since (changed messages again, removed and moved-away ones as
// "@removed"). A token from before ExpireDeltaTokens is answered 410
// syncStateNotFound.
func (s *Server) delta(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	fid, ok := mb.resolve(r.PathValue("folder"))
	if !ok {
		return notFound("folder " + r.PathValue("folder"))
	}
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := deltaState{epoch: mb.epoch, folder: fid, to: len(mb.log), sel: q.Get("$select")}
	switch {
	case q.Get("$skiptoken") != "":
		d, err := decodeDelta(q.Get("$skiptoken"))
		if err != nil || d.epoch != mb.epoch || d.folder != fid || d.to > len(mb.log) {
			return errSyncState
		}
		st = d
	case q.Get("$deltatoken") != "":
		d, err := decodeDelta(q.Get("$deltatoken"))
		if err != nil || d.epoch != mb.epoch || d.folder != fid || d.to > len(mb.log) {
			return errSyncState
		}
		st.from, st.sel = d.to, d.sel
	}
	items := mb.roundLocked(fid, st.from, st.to)
	size := preferInt(r, "odata.maxpagesize")
	if size == 0 {
		size = s.opts.DefaultPageSize
	} else {
		w.Header().Add("Preference-Applied", "odata.maxpagesize="+strconv.Itoa(size))
	}
	if immutableIDs(r) {
		w.Header().Add("Preference-Applied", `IdType="ImmutableId"`)
	}
	end := min(st.offset+size, len(items))
	sel := selectList(st.sel)
	value := make([]any, 0, end-st.offset)
	for _, it := range items[st.offset:end] {
		if it.removed {
			id := it.m.id
			if !immutableIDs(r) {
				id = fid[len(fid)-8:] + "." + id
			}
			value = append(value, map[string]any{"@odata.type": "#microsoft.graph.message", "id": id, "@removed": map[string]string{"reason": "deleted"}})
			continue
		}
		value = append(value, it.m.wire(r, sel))
	}
	link := s.URL + "/v1.0/me/mailFolders/" + url.PathEscape(fid) + "/messages/delta()?"
	body := map[string]any{"@odata.context": s.URL + "/v1.0/$metadata#Collection(message)", "value": value}
	if end < len(items) {
		next := st
		next.offset = end
		body["@odata.nextLink"] = link + "$skiptoken=" + next.encode()
	} else {
		body["@odata.deltaLink"] = link + "$deltatoken=" + deltaState{epoch: st.epoch, folder: fid, to: st.to, sel: st.sel}.encode()
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

type roundItem struct {
	m       *message
	removed bool
}

// roundLocked lists what a delta round over log[from:to) reports for
// folder, each message once, in the order of its first change: live
// messages in the folder, and (after the first round) the others as
// removed.
func (mb *Mailbox) roundLocked(folder string, from, to int) []roundItem {
	seen := map[string]bool{}
	var out []roundItem
	for _, c := range mb.log[from:to] {
		if c.folder != folder || seen[c.id] {
			continue
		}
		seen[c.id] = true
		m := mb.msgs[c.id]
		live := !m.deleted && m.folder == folder
		if !live && from == 0 {
			continue // the first round lists only what is there
		}
		out = append(out, roundItem{m: m, removed: !live})
	}
	return out
}
