package mime

import (
	"bytes"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

// Charset decoding, for bodies (decodeText) and for RFC 2047 encoded words
// in headers (decodeWords). Both use go-message's charset tables, which
// know the IANA and WHATWG names and their aliases.

// normCharset returns the lower-cased charset name without quotes or
// spaces.
func normCharset(cs string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
}

// decodeText turns the bytes of a text part into UTF-8, from the charset
// its Content-Type names, and cleans the result (cleanBody).
//
//   - No charset, or us-ascii: kept when valid UTF-8 (the usual mislabel),
//     else read as windows-1252.
//   - utf-8: invalid bytes become U+FFFD.
//   - An unknown charset: the bytes are kept, invalid UTF-8 replaced.
func (p *parser) decodeText(where, cs string, b []byte) string {
	cs = normCharset(cs)
	switch cs {
	case "", "us-ascii", "ascii", "ansi_x3.4-1968", "utf-8", "utf8":
		// The usual case: clean UTF-8 (or ASCII), which only needs its
		// line ends changed; one copy instead of three.
		if utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 {
			return crlfToLF(b)
		}
	}
	var s string
	switch cs {
	case "", "us-ascii", "ascii", "ansi_x3.4-1968":
		if utf8.Valid(b) {
			s = string(b)
		} else {
			s = windows1252(string(b))
			p.problem(where, "8-bit text without a charset, read as windows-1252")
		}
	case "utf-8", "utf8":
		s = string(b)
	default:
		r, err := charset.Reader(cs, bytes.NewReader(b))
		if err != nil {
			p.problem(where, "unknown charset %q", cs)
			s = string(b)
			break
		}
		var out strings.Builder
		out.Grow(len(b) + len(b)/2)
		if _, err := io.Copy(&out, r); err != nil {
			p.problem(where, "charset %q: %v", cs, err)
		}
		s = out.String()
	}
	s, changed := cleanBody(s)
	if changed {
		p.problem(where, "invalid UTF-8 or NUL bytes replaced")
	}
	return s
}

// crlfToLF returns b as a string with every CRLF turned into LF, as
// cleanBody does.
func crlfToLF(b []byte) string {
	i := bytes.IndexByte(b, '\r')
	if i < 0 {
		return string(b)
	}
	var out strings.Builder
	out.Grow(len(b))
	for i >= 0 {
		if i+1 < len(b) && b[i+1] == '\n' {
			out.Write(b[:i])
			b = b[i+1:] // from the LF
		} else {
			out.Write(b[:i+1])
			b = b[i+1:]
		}
		i = bytes.IndexByte(b, '\r')
	}
	out.Write(b)
	return out.String()
}

// decodeWords decodes the RFC 2047 encoded words in s. An encoded word in
// an unknown charset keeps its bytes (cleaned later) and records a
// problem; a malformed one is left as it is.
func (p *parser) decodeWords(where, s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	dec := mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
		return p.wordCharset(where, cs, r), nil
	}}
	out, err := dec.DecodeHeader(s)
	if err != nil {
		return s
	}
	return out
}

// wordCharset is the CharsetReader of the RFC 2047 decoders: an unknown
// charset passes the bytes through and records a problem.
func (p *parser) wordCharset(where, cs string, r io.Reader) io.Reader {
	cr, err := charset.Reader(cs, r)
	if err != nil {
		p.problem(where, "unknown charset %q", normCharset(cs))
		return r
	}
	return cr
}

// headerValue returns the decoded, cleaned value of the first field name
// of h. where names the field in problems.
func (p *parser) headerValue(h header, name, where string) string {
	raw, ok := h.get(name)
	if !ok {
		return ""
	}
	return cleanLine(p.decodeWords(where, p.headerText(where, raw)))
}

// headerText is rawHeaderUTF8 that records a problem when it falls back to
// windows-1252.
func (p *parser) headerText(where, raw string) string {
	s, latin1 := rawHeaderUTF8(raw)
	if latin1 {
		p.problem(where, "8-bit bytes that are not UTF-8, read as windows-1252")
	}
	return s
}
