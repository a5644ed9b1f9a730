package mime

import (
	"bytes"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-message/charset"
)

// Content-Type and Content-Disposition values are parsed here rather than
// with mime.ParseMediaType, which gives up on a whole header for one bad
// parameter (an unquoted file name with spaces, a duplicate, a missing
// semicolon) and drops RFC 2231 values in charsets other than UTF-8.

// media is a parsed Content-Type or Content-Disposition. It does not
// allocate for a few parameters.
type media struct {
	// token is the lower-cased media type or disposition type.
	token string
	// params are the parameters by lower-cased name: RFC 2231
	// continuations joined and decoded; RFC 2047 words decoded in name
	// and filename.
	params paramList
}

// param is one parameter of a media.
type param struct{ name, value string }

// paramList is a set of parameters, the first ones held inline. Past
// indexFrom parameters, an index keeps lookups cheap.
type paramList struct {
	n     int
	fixed [3]param
	more  []param
	index map[string]int // name to position, when n > indexFrom
}

// indexFrom is the number of parameters past which a paramList (or the
// RFC 2231 pieces of parseMediaParams) is indexed.
const indexFrom = 16

func (l *paramList) at(i int) *param {
	if i < len(l.fixed) {
		return &l.fixed[i]
	}
	return &l.more[i-len(l.fixed)]
}

// lookup returns the value of the parameter name, and whether there is
// one.
func (l *paramList) lookup(name string) (string, bool) {
	if i, ok := l.find(name); ok {
		return l.at(i).value, true
	}
	return "", false
}

// find returns the position of the parameter name, and whether there is
// one.
func (l *paramList) find(name string) (int, bool) {
	if l.index != nil {
		i, ok := l.index[name]
		return i, ok
	}
	for i := range l.n {
		if l.at(i).name == name {
			return i, true
		}
	}
	return 0, false
}

// get returns the value of the parameter name, or "".
func (l *paramList) get(name string) string {
	v, _ := l.lookup(name)
	return v
}

// set sets the parameter name to value, replacing its value if it is
// there already.
func (l *paramList) set(name, value string) {
	if i, ok := l.find(name); ok {
		l.at(i).value = value
		return
	}
	if l.n < len(l.fixed) {
		l.fixed[l.n] = param{name, value}
	} else {
		l.more = append(l.more, param{name, value})
	}
	l.n++
	switch {
	case l.index != nil:
		l.index[name] = l.n - 1
	case l.n > indexFrom:
		l.index = make(map[string]int, l.n)
		for i := range l.n {
			l.index[l.at(i).name] = i
		}
	}
}

// segment is one piece of an RFC 2231 parameter.
type segment struct {
	index    int
	value    string
	extended bool // percent-encoded, the first one with charset'lang'
}

// parseMediaParams parses a Content-Type or Content-Disposition value.
// It never fails; where names the part for problems.
func (p *parser) parseMediaParams(where, v string) media {
	var m media
	token, rest, _ := strings.Cut(v, ";")
	m.token = strings.ToLower(strings.Trim(strings.TrimSpace(token), `"`))
	type pieces struct {
		base string
		segs []segment
	}
	var split []pieces            // RFC 2231 parameters, by first appearance
	var splitIndex map[string]int // base to position in split, when long
	for rest != "" {
		var name, value string
		name, value, rest = nextParam(rest)
		if name == "" {
			continue
		}
		base, idx, ext, isSeg := splitParamName(name)
		if !isSeg {
			if _, dup := m.params.lookup(name); !dup {
				m.params.set(name, value)
			}
			continue
		}
		seg := segment{index: idx, value: value, extended: ext}
		at := -1
		if splitIndex != nil {
			if i, ok := splitIndex[base]; ok {
				at = i
			}
		} else {
			for i := range split {
				if split[i].base == base {
					at = i
					break
				}
			}
		}
		if at >= 0 {
			split[at].segs = append(split[at].segs, seg)
			continue
		}
		split = append(split, pieces{base, []segment{seg}})
		switch {
		case splitIndex != nil:
			splitIndex[base] = len(split) - 1
		case len(split) > indexFrom:
			splitIndex = make(map[string]int, len(split))
			for i := range split {
				splitIndex[split[i].base] = i
			}
		}
	}
	for _, pc := range split {
		m.params.set(pc.base, p.joinSegments(where, pc.segs))
	}
	for _, k := range [...]string{"name", "filename"} {
		if s, ok := m.params.lookup(k); ok {
			m.params.set(k, p.decodeWords(where, s))
		}
	}
	return m
}

// nextParam reads one "name=value" from s (after the first ';'). It
// returns an empty name for a piece without '=', which the caller skips.
func nextParam(s string) (name, value, rest string) {
	s = strings.TrimLeft(s, " \t;")
	eq := strings.IndexByte(s, '=')
	semi := strings.IndexByte(s, ';')
	if eq < 0 || (semi >= 0 && semi < eq) {
		if semi < 0 {
			return "", "", ""
		}
		return "", "", s[semi+1:]
	}
	name = strings.ToLower(strings.TrimSpace(s[:eq]))
	s = strings.TrimLeft(s[eq+1:], " \t")
	if strings.HasPrefix(s, `"`) {
		// Without a backslash before the closing quote, the value is the
		// text between the quotes as is.
		if i := strings.IndexAny(s[1:], `"\`); i < 0 {
			return name, s[1:], ""
		} else if s[1+i] == '"' {
			return name, s[1 : 1+i], s[2+i:]
		}
		var b strings.Builder
		i := 1
		for ; i < len(s); i++ {
			c := s[i]
			// A backslash escapes only '"' and '\\': Outlook and old
			// browsers write Windows paths unescaped, as browsers read them.
			if c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				i++
				b.WriteByte(s[i])
				continue
			}
			if c == '"' {
				i++
				break
			}
			b.WriteByte(c)
		}
		// Whatever follows the closing quote up to ';' is junk, except a
		// next parameter whose ';' is missing.
		return name, b.String(), s[i:]
	}
	end := strings.IndexByte(s, ';')
	if end < 0 {
		end = len(s)
	}
	value, rest = s[:end], s[end:]
	// A missing ';': "charset=utf-8 format=flowed".
	if i := missingSemicolon(value); i >= 0 {
		value, rest = value[:i], value[i:]+rest
	}
	return name, strings.TrimSpace(value), rest
}

// missingSemicolon returns where, in an unquoted value, a following
// "name=" starts after whitespace, or -1.
func missingSemicolon(v string) int {
	for i := 0; i < len(v); i++ {
		if v[i] != ' ' && v[i] != '\t' {
			continue
		}
		j := i + 1
		for j < len(v) && isParamNameByte(v[j]) {
			j++
		}
		if j > i+1 && j < len(v) && v[j] == '=' {
			return i + 1
		}
	}
	return -1
}

func isParamNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '*' || c == '.'
}

// splitParamName recognises RFC 2231 names: "name*" (extended), "name*0"
// and "name*1*" (continuations).
func splitParamName(name string) (base string, index int, extended, isSegment bool) {
	star := strings.IndexByte(name, '*')
	if star <= 0 {
		return name, 0, false, false
	}
	base, rest := name[:star], name[star+1:]
	if rest == "" {
		return base, 0, true, true
	}
	extended = strings.HasSuffix(rest, "*")
	rest = strings.TrimSuffix(rest, "*")
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > 999 {
		return name, 0, false, false
	}
	return base, n, extended, true
}

// joinSegments joins the pieces of an RFC 2231 parameter in index order
// and decodes it from the charset named by the first one.
func (p *parser) joinSegments(where string, segs []segment) string {
	slices.SortStableFunc(segs, func(a, b segment) int { return a.index - b.index })
	var cs string
	var raw []byte
	for i, s := range segs {
		v := s.value
		if !s.extended {
			raw = append(raw, v...)
			continue
		}
		if i == 0 {
			// charset'language'value; a value without the quotes is taken
			// as is.
			if a := strings.IndexByte(v, '\''); a >= 0 {
				if b := strings.IndexByte(v[a+1:], '\''); b >= 0 {
					cs = normCharset(v[:a])
					v = v[a+1+b+1:]
				}
			}
		}
		raw = appendUnescaped(raw, v)
	}
	switch cs {
	case "", "utf-8", "utf8", "us-ascii":
		return string(raw)
	}
	r, err := charset.Reader(cs, bytes.NewReader(raw))
	if err != nil {
		p.problem(where, "unknown charset %q", cs)
		return string(raw)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		p.problem(where, "charset %q: %v", cs, err)
	}
	return string(out)
}

// appendUnescaped appends v with its %XX escapes decoded; a stray '%' is
// kept.
func appendUnescaped(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
			dst = append(dst, unhex(v[i+1])<<4|unhex(v[i+2]))
			i += 2
			continue
		}
		dst = append(dst, v[i])
	}
	return dst
}
