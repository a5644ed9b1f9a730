package mime

import (
	"bytes"
)

// field is one header field as it appears in the raw message: name and
// value are sub-slices of the input, the value still folded.
type field struct {
	name  []byte
	value []byte
}

// header is a header block in file order.
type header []field

// headerBlock is the result of readHeader.
type headerBlock struct {
	fields header
	// body is the offset of the body in the input.
	body int
	// badLines counts lines that were neither a field nor a continuation
	// and were skipped.
	badLines int
	// unterminated reports that a line that is not a header field ended
	// the header instead of a blank line.
	unterminated bool
	// dropped counts the fields past maxFields, which are not kept.
	dropped int
}

// maxFields bounds the fields kept of one header block, so that looking a
// field up stays cheap. Real headers have tens, a few hundred at most.
const maxFields = 2000

// readHeader reads the header block at the start of b, leniently:
//
//   - lines may end in CRLF or a bare LF;
//   - a line starting with a space or tab continues the previous field (and
//     is skipped if there is none);
//   - an mbox "From " line before the first field is skipped;
//   - a line that is not a field ("Name: value") is skipped when a field
//     follows it, else it ends the header as if a blank line had preceded
//     it (a sender that forgot the blank line).
//
// It never fails; an input without any field gives an empty header.
func readHeader(b []byte) headerBlock {
	var hb headerBlock
	hb.fields = make(header, 0, 16)
	start := 0
	lastValue := 0 // offset of the last field's value in b
	for start < len(b) {
		end := bytes.IndexByte(b[start:], '\n')
		next := len(b)
		if end < 0 {
			end = len(b)
		} else {
			end += start
			next = end + 1
		}
		line := b[start:end]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		switch {
		case len(line) == 0:
			hb.body = next
			return hb
		case line[0] == ' ' || line[0] == '\t':
			if n := len(hb.fields); n > 0 && hb.dropped == 0 {
				// The value grows to the end of this line.
				hb.fields[n-1].value = b[lastValue:end]
			} else if n == 0 {
				hb.badLines++
			}
		default:
			colon := bytes.IndexByte(line, ':')
			name := line
			if colon >= 0 {
				name = trimWSP(line[:colon])
			}
			switch {
			case colon > 0 && validFieldName(name) && len(hb.fields) >= maxFields:
				hb.dropped++
			case colon > 0 && validFieldName(name):
				lastValue = start + colon + 1
				hb.fields = append(hb.fields, field{name: name, value: b[lastValue:end]})
			case len(hb.fields) == 0 && hb.badLines == 0 && bytes.HasPrefix(line, []byte("From ")):
				// mbox separator line: not part of the message.
			case len(hb.fields) > 0 && isFieldLine(b[next:]):
				// A stray line among fields: skip it.
				hb.badLines++
			default:
				hb.body = start
				hb.unterminated = true
				return hb
			}
		}
		start = next
	}
	hb.body = len(b)
	return hb
}

// isFieldLine reports whether b starts with a "Name:" line.
func isFieldLine(b []byte) bool {
	if nl := bytes.IndexByte(b, '\n'); nl >= 0 {
		b = b[:nl]
	}
	colon := bytes.IndexByte(b, ':')
	return colon > 0 && validFieldName(trimWSP(b[:colon]))
}

func validFieldName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

func trimWSP(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	for j > i && (b[j-1] == ' ' || b[j-1] == '\t') {
		j--
	}
	return b[i:j]
}

// get returns the unfolded raw value of the first field named name (ASCII
// case-insensitive), and whether there was one.
func (h header) get(name string) (string, bool) {
	for i := range h {
		if equalFold(h[i].name, name) {
			return unfold(h[i].value), true
		}
	}
	return "", false
}

// all returns the unfolded raw values of every field named name, in order.
func (h header) all(name string) []string {
	var vs []string
	for i := range h {
		if equalFold(h[i].name, name) {
			vs = append(vs, unfold(h[i].value))
		}
	}
	return vs
}

// equalFold reports whether the ASCII bytes b equal s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c == d {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// unfold removes the line breaks of a folded value (RFC 5322 §2.2.3: the
// whitespace that follows them stays) and trims it.
func unfold(v []byte) string {
	v = bytes.TrimSpace(v)
	if bytes.IndexByte(v, '\n') < 0 && bytes.IndexByte(v, '\r') < 0 {
		return string(v)
	}
	out := make([]byte, 0, len(v))
	for _, c := range v {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return string(out)
}
