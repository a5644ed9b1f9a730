package mime

import (
	"strings"
)

// maxMsgIDLen bounds one message id (RFC 5322 lines are 998 bytes).
const maxMsgIDLen = 995

// appendMsgIDs appends to ids the message ids of v, a Message-ID,
// In-Reply-To or References value, without angle brackets. It takes
// every "<...>" (so comments and old "Your message of ..." phrases
// around them do no harm); a value without any '<' is split on spaces
// and commas and the pieces with an '@' are kept. Whitespace inside an
// id is dropped.
func appendMsgIDs(ids []string, v string) []string {
	if strings.IndexByte(v, '<') < 0 {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' }) {
			if strings.IndexByte(f, '@') > 0 {
				ids = appendID(ids, f)
			}
		}
		return ids
	}
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return ids
		}
		v = v[i+1:]
		j := strings.IndexByte(v, '>')
		if j < 0 {
			return appendID(ids, v)
		}
		ids = appendID(ids, v[:j])
		v = v[j+1:]
	}
}

func appendID(ids []string, id string) []string {
	if strings.ContainsAny(id, " \t") {
		id = strings.Join(strings.Fields(id), "")
	}
	id = strings.Trim(id, "<>")
	if id == "" || len(id) > maxMsgIDLen {
		return ids
	}
	return append(ids, id)
}
