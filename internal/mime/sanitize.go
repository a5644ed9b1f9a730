package mime

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/ucsp/integration/connector"
)

// Every string Parse returns is valid UTF-8 without NUL bytes: Postgres
// text columns reject both. The helpers here enforce that.

// cleanBody makes s, a decoded body, storable: invalid UTF-8 becomes
// U+FFFD, NUL bytes are removed and CRLF line ends become LF. It reports
// whether it had to replace or remove anything (line ends do not count).
func cleanBody(s string) (string, bool) {
	changed := false
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		changed = true
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
		changed = true
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	return s, changed
}

// cleanLine makes s, a value from a header, a storable single line:
// invalid UTF-8 becomes U+FFFD, control characters (line breaks and tabs
// included) become spaces, and surrounding spaces are trimmed.
func cleanLine(s string) string {
	clean := utf8.ValidString(s)
	for i := 0; clean && i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			clean = false
		}
	}
	if clean {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // invalid bytes come as utf8.RuneError
		if r < ' ' || r == 0x7f {
			r = ' '
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// cleanFilename is cleanLine for file names; it also drops any directory
// part a sender left in (C:\Users\x\a.pdf, ../a.pdf).
func cleanFilename(s string) string {
	s = cleanLine(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	return s
}

// rawHeaderUTF8 turns a raw header value into UTF-8. Raw 8-bit bytes are
// kept when they are UTF-8 (RFC 6532); otherwise they are read as
// windows-1252 (a superset of ISO-8859-1, the usual culprit) and latin1
// reports it.
func rawHeaderUTF8(raw string) (s string, latin1 bool) {
	if utf8.ValidString(raw) {
		return raw, false
	}
	return windows1252(raw), true
}

// windows1252 decodes s as windows-1252. It cannot fail: every byte maps
// to a rune.
func windows1252(s string) string {
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// clean reports whether s is valid UTF-8 without NUL bytes.
func clean(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// mustClean returns s made valid UTF-8 without NUL bytes.
func mustClean(s string) string {
	if clean(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// sanitizeMessage is the last line of defence of the "every string is
// clean" promise: the parser cleans as it goes, this makes sure.
func sanitizeMessage(m *connector.Message) {
	// Text and HTML are clean by construction (decodeText ends in
	// cleanBody or checks what it skips it for), and long: they are not
	// scanned again.
	cleanHeaderFields(m, mustClean, mustClean)
	for k, vs := range m.Headers {
		for i := range vs {
			vs[i] = mustClean(vs[i])
		}
		if ck := mustClean(k); ck != k {
			delete(m.Headers, k)
			m.Headers[ck] = append(m.Headers[ck], vs...)
		}
	}
	for i := range m.Problems {
		m.Problems[i] = mustClean(m.Problems[i])
	}
}

// cleanHeaderFields applies line to the header fields of m (threading
// ids, addresses and names, subject, attachment metadata) and filename
// to its attachments' file names: the walk Parse's last check and
// Sanitize share.
func cleanHeaderFields(m *connector.Message, line, filename func(string) string) {
	m.MessageID = line(m.MessageID)
	for i := range m.InReplyTo {
		m.InReplyTo[i] = line(m.InReplyTo[i])
	}
	for i := range m.References {
		m.References[i] = line(m.References[i])
	}
	for _, list := range [][]connector.Address{m.From, m.To, m.Cc, m.Bcc, m.ReplyTo} {
		for i := range list {
			list[i].Name = line(list[i].Name)
			list[i].Email = line(list[i].Email)
		}
	}
	m.Subject = line(m.Subject)
	for i := range m.Attachments {
		a := &m.Attachments[i]
		a.ID = line(a.ID)
		a.Filename = filename(a.Filename)
		a.ContentType = line(a.ContentType)
		a.ContentID = line(a.ContentID)
	}
}
