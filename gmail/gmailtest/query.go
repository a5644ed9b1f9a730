package gmailtest

import (
	"bufio"
	"bytes"
	"net/textproto"
	"slices"
	"strings"
)

// A query is the subset of Gmail's search syntax (messages.list q) the
// fake understands: rfc822msgid:ID, in:LABEL and label:LABEL (system
// labels by name, e.g. in:inbox, in:sent), is:unread, is:starred,
// subject:WORD, from:WORD, to:WORD, "quoted phrases" and bare words
// (matched case-insensitively anywhere in the raw message), each
// negated by a leading "-". All terms must match.
type query []term

type term struct {
	neg   bool
	field string // "" for a bare word
	value string
}

func parseQuery(q string) (query, error) {
	var out query
	for _, tok := range splitQuery(q) {
		t := term{}
		if strings.HasPrefix(tok, "-") && len(tok) > 1 {
			t.neg, tok = true, tok[1:]
		}
		if f, v, ok := strings.Cut(tok, ":"); ok && isField(f) {
			t.field, t.value = strings.ToLower(f), strings.Trim(v, `"`)
		} else {
			t.value = strings.Trim(tok, `"`)
		}
		if t.value == "" {
			return nil, badRequest("Invalid query: " + q)
		}
		out = append(out, t)
	}
	return out, nil
}

func isField(f string) bool {
	switch strings.ToLower(f) {
	case "rfc822msgid", "in", "label", "is", "subject", "from", "to":
		return true
	}
	return false
}

// splitQuery splits q on spaces outside double quotes.
func splitQuery(q string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range q {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func (q query) match(m *message) bool {
	for _, t := range q {
		if t.match(m) == t.neg {
			return false
		}
	}
	return true
}

func (t term) match(m *message) bool {
	v := strings.ToLower(t.value)
	switch t.field {
	case "rfc822msgid":
		return m.messageID == strings.Trim(t.value, "<>")
	case "in", "label":
		return slices.ContainsFunc(m.labels, func(l string) bool { return strings.EqualFold(l, t.value) })
	case "is":
		switch v {
		case "unread":
			return slices.Contains(m.labels, LabelUnread)
		case "read":
			return !slices.Contains(m.labels, LabelUnread)
		case "starred":
			return slices.Contains(m.labels, "STARRED")
		}
		return false
	case "subject":
		return strings.Contains(strings.ToLower(m.subject), v)
	case "from", "to":
		for _, h := range rawHeaders(m.raw) {
			if strings.EqualFold(h.Name, t.field) && strings.Contains(strings.ToLower(h.Value), v) {
				return true
			}
		}
		return false
	}
	return bytes.Contains(bytes.ToLower(m.raw), []byte(v))
}

// rawHeaders returns the header fields of raw, sorted by name, values
// undecoded as Gmail's payload.headers has them.
func rawHeaders(raw []byte) []wireHeader {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	h, _ := r.ReadMIMEHeader() // a broken header still yields the fields read
	var out []wireHeader
	for name, vs := range h {
		for _, v := range vs {
			out = append(out, wireHeader{Name: name, Value: v})
		}
	}
	slices.SortStableFunc(out, func(a, b wireHeader) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func mediaType(hs []wireHeader) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Content-Type") {
			t, _, _ := strings.Cut(h.Value, ";")
			return strings.ToLower(strings.TrimSpace(t))
		}
	}
	return "text/plain"
}
