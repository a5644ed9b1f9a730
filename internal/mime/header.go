package mime

import (
	"bytes"
	"strings"
)

// field is one header field as it appears in the raw message: name and
// value are sub-slices of the input, the value still folded. str, when
// not empty, is the value unfolded (see internValues).
type field struct {
	name  []byte
	value []byte
	str   string
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
// It never fails; an input without any field gives an empty header. The
// fields are appended to dst (which may be nil), so that hb.fields is the
// grown dst: the fields read are hb.fields[len(dst):].
func readHeader(b []byte, dst header) headerBlock {
	var hb headerBlock
	hb.fields = dst
	first := len(dst)
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
			if n := len(hb.fields); n > first && hb.dropped == 0 {
				// The value grows to the end of this line.
				hb.fields[n-1].value = b[lastValue:end]
			} else if n == first {
				hb.badLines++
			}
		default:
			colon := bytes.IndexByte(line, ':')
			name := line
			if colon >= 0 {
				name = trimWSP(line[:colon])
			}
			switch {
			case colon > 0 && validFieldName(name) && len(hb.fields)-first >= maxFields:
				hb.dropped++
			case colon > 0 && validFieldName(name):
				lastValue = start + colon + 1
				hb.fields = append(hb.fields, field{name: name, value: b[lastValue:end]})
			case len(hb.fields) == first && hb.badLines == 0 && bytes.HasPrefix(line, []byte("From ")):
				// mbox separator line: not part of the message.
			case len(hb.fields) > first && isFieldLine(b[next:]):
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
	if i := h.next(name, 0); i >= 0 {
		return h.value(i), true
	}
	return "", false
}

// next returns the index of the first field named name (ASCII
// case-insensitive) at or after i, or -1.
func (h header) next(name string, i int) int {
	for ; i < len(h); i++ {
		if equalFold(h[i].name, name) {
			return i
		}
	}
	return -1
}

// value returns the unfolded raw value of field i.
func (h header) value(i int) string {
	if h[i].str != "" {
		return h[i].str
	}
	return unfold(h[i].value)
}

// maxInterned bounds the bytes internValues copies for one header block:
// a string of the result that is a sub-string of the copy (a subject, an
// address) keeps all of it alive. Values past the bound get a string of
// their own, as they did before interning.
const maxInterned = 8 << 10

// internValues unfolds the values of the fields of h that Parse reads
// (those wantedField lists, and opts' headers if opts is not nil) into
// one string, instead of one string per lookup, and sets their str. A
// field whose value unfolds to nothing is left alone: value returns ""
// for it all the same.
func internValues(h header, opts *resolved) {
	var wanted uint64 // bit i: field i, for the first 64
	total := 0
	for i := range h {
		if !wantedField(h[i].name, opts) {
			continue
		}
		if i < 64 {
			wanted |= 1 << i
		}
		if n := len(h[i].value); total+n <= maxInterned {
			total += n
		}
	}
	if total == 0 {
		return
	}
	var b strings.Builder
	b.Grow(total)
	for i := range h {
		want := i < 64 && wanted&(1<<i) != 0 || i >= 64 && wantedField(h[i].name, opts)
		if !want || b.Len()+len(h[i].value) > total {
			continue
		}
		// The strings a Builder returns are never changed by later
		// writes: each value can be taken as soon as it is written.
		start := b.Len()
		writeUnfolded(&b, h[i].value)
		h[i].str = b.String()[start:]
	}
}

// wantedField reports whether name is one of the fields Parse reads, or
// one of opts' headers if opts is not nil.
func wantedField(name []byte, opts *resolved) bool {
	var want bool
	switch len(name) {
	case 2:
		want = equalFold(name, "To") || equalFold(name, "Cc")
	case 3:
		want = equalFold(name, "Bcc")
	case 4:
		want = equalFold(name, "From") || equalFold(name, "Date")
	case 7:
		want = equalFold(name, "Subject")
	case 8:
		want = equalFold(name, "Reply-To")
	case 10:
		want = equalFold(name, "Message-Id") || equalFold(name, "References") || equalFold(name, "Content-Id")
	case 11:
		want = equalFold(name, "In-Reply-To")
	case 12:
		want = equalFold(name, "Content-Type")
	case 19:
		want = equalFold(name, "Content-Disposition")
	case 25:
		want = equalFold(name, "Content-Transfer-Encoding")
	}
	if !want && opts != nil {
		_, want = opts.header(name)
	}
	return want
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
	var b strings.Builder
	b.Grow(len(v))
	writeUnfolded(&b, v)
	return b.String()
}

// writeUnfolded writes what unfold returns for v to b.
func writeUnfolded(b *strings.Builder, v []byte) {
	v = bytes.TrimSpace(v)
	if bytes.IndexByte(v, '\n') < 0 && bytes.IndexByte(v, '\r') < 0 {
		b.Write(v)
		return
	}
	for _, c := range v {
		if c != '\r' && c != '\n' {
			b.WriteByte(c)
		}
	}
}
