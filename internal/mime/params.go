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

// mediaValue is a parsed Content-Type or Content-Disposition.
type mediaValue struct {
	// token is the lower-cased media type or disposition type.
	token string
	// params maps lower-cased parameter names to values: RFC 2231
	// continuations joined and decoded; RFC 2047 words decoded in name and
	// filename.
	params map[string]string
}

// segment is one piece of an RFC 2231 parameter.
type segment struct {
	index    int
	value    string
	extended bool // percent-encoded, the first one with charset'lang'
}

// parseMedia parses a Content-Type or Content-Disposition value. It never
// fails; where names the part for problems.
func (p *parser) parseMedia(where, v string) mediaValue {
	var mv mediaValue
	token, rest, _ := strings.Cut(v, ";")
	mv.token = strings.ToLower(strings.Trim(strings.TrimSpace(token), `"`))
	var pieces map[string][]segment
	for rest != "" {
		var name, value string
		name, value, rest = nextParam(rest)
		if name == "" {
			continue
		}
		base, idx, ext, isSeg := splitParamName(name)
		if !isSeg {
			if _, dup := mv.params[name]; !dup {
				if mv.params == nil {
					mv.params = make(map[string]string, 2)
				}
				mv.params[name] = value
			}
			continue
		}
		if pieces == nil {
			pieces = make(map[string][]segment, 1)
		}
		pieces[base] = append(pieces[base], segment{index: idx, value: value, extended: ext})
	}
	for base, segs := range pieces {
		if mv.params == nil {
			mv.params = make(map[string]string, 2)
		}
		mv.params[base] = p.joinSegments(where, segs)
	}
	for _, k := range []string{"name", "filename"} {
		if s, ok := mv.params[k]; ok {
			mv.params[k] = p.decodeWords(where, s)
		}
	}
	return mv
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
