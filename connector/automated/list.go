package automated

import (
	"net/textproto"
	"strings"

	"github.com/ucsp/integration/connector"
)

// listEvidence adds the fields of mail that came through a mailing list
// or from a bulk sender, List-Id (RFC 2919) and List-Unsubscribe (RFC
// 2369, RFC 8058), and returns what they say of the list, or nil.
// List-Post and the other RFC 2369 fields are not counted alone: a
// person's client may quote them.
func listEvidence(h connector.Header, e *evidence) *List {
	var l List
	if v := h.Get("List-Id"); strings.TrimSpace(v) != "" {
		e.add("List-Id: "+clip(v), &e.list)
		l.ID = listID(v)
	}
	for _, v := range h[canonical("List-Unsubscribe")] {
		if strings.TrimSpace(v) == "" {
			continue
		}
		if len(l.Unsubscribe) == 0 {
			e.add("List-Unsubscribe: "+clip(v), &e.list)
		}
		l.Unsubscribe = append(l.Unsubscribe, bracketed(v)...)
	}
	if l.ID == "" && l.Unsubscribe == nil {
		return nil
	}
	return &l
}

// listID returns the id of a List-Id value: "list.example.com" of
// "Announcements <list.example.com>".
func listID(v string) string {
	if ids := bracketed(v); len(ids) > 0 {
		return ids[0]
	}
	return strings.TrimSpace(v)
}

// bracketed returns the texts between angle brackets in v, in order.
func bracketed(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return out
		}
		if s := strings.TrimSpace(v[i+1 : i+j]); s != "" {
			out = append(out, s)
		}
		v = v[i+j+1:]
	}
}

// canonical is textproto's canonical form of a header name, the keys of
// connector.Header.
func canonical(name string) string { return textproto.CanonicalMIMEHeaderKey(name) }
