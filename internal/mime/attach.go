package mime

import (
	"io"
	"mime"
	"net/textproto"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/ucsp/integration/connector"
)

// Attachment parts are given their headers here rather than by go-mail,
// which writes file names as RFC 2047 words inside quotes only and
// replaces characters such as ':' and '?' in them.

// maxParamLine is the longest parameter Build writes on one header line
// before it splits the value into RFC 2231 continuations.
const maxParamLine = 60

// attachmentFile makes the go-mail File of a. go-mail base64-encodes it.
func attachmentFile(a connector.OutboundAttachment) *gomail.File {
	name := outboundFilename(a.Filename)
	mt, params := attachmentType(a)
	ct := formatMedia(mt, params)
	if legacy := legacyName(name); legacy != "" {
		ct += ";\r\n name=" + legacy
	}
	disp := "attachment"
	h := textproto.MIMEHeader{}
	if cid := contentID(a); cid != "" {
		disp = "inline"
		h.Set("Content-Id", "<"+cid+">")
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", disp+";\r\n "+formatParam("filename", name))
	content := a.Content
	return &gomail.File{
		Name:   name,
		Header: h,
		Writer: func(w io.Writer) (int64, error) {
			n, err := w.Write(content)
			return int64(n), err
		},
	}
}

// contentID returns a's Content-ID without angle brackets or spaces.
func contentID(a connector.OutboundAttachment) string {
	return strings.Trim(strings.TrimSpace(a.ContentID), "<> ")
}

// outboundFilename cleans a file name for a header: valid UTF-8, no
// control characters.
func outboundFilename(s string) string {
	s = cleanLine(validUTF8(s))
	if s == "" {
		return "attachment"
	}
	return s
}

// attachmentType returns a's media type and parameters (without name):
// its ContentType when valid, else by file extension, else
// application/octet-stream.
func attachmentType(a connector.OutboundAttachment) (string, map[string]string) {
	for _, v := range []string{a.ContentType, mime.TypeByExtension(filepath.Ext(a.Filename))} {
		if v == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(v)
		if err != nil || strings.Count(mt, "/") != 1 || strings.HasPrefix(mt, "multipart/") {
			continue
		}
		delete(params, "name")
		return mt, params
	}
	return "application/octet-stream", nil
}

// formatMedia writes a media type and its parameters, one per line.
func formatMedia(mt string, params map[string]string) string {
	var b strings.Builder
	b.WriteString(mt)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString(";\r\n ")
		b.WriteString(formatParam(k, params[k]))
	}
	return b.String()
}

// formatParam writes name=value: quoted when value is short printable
// ASCII, else RFC 2231 UTF-8, split into continuations of at most
// maxParamLine characters, one per line.
func formatParam(name, value string) string {
	if len(value) <= maxParamLine && printableASCII(value) {
		return name + `="` + escapeQuoted(value) + `"`
	}
	enc := percentEncode(value)
	if len(enc)+len("utf-8''") <= maxParamLine {
		return name + "*=utf-8''" + enc
	}
	var b strings.Builder
	first := true
	for i := 0; enc != ""; i++ {
		n := min(maxParamLine, len(enc))
		// Do not cut a %XX escape.
		if j := strings.LastIndexByte(enc[:n], '%'); j >= 0 && j > n-3 && n < len(enc) {
			n = j
		}
		if !first {
			b.WriteString(";\r\n ")
		}
		b.WriteString(name)
		b.WriteString("*")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("*=")
		if first {
			b.WriteString("utf-8''")
			first = false
		}
		b.WriteString(enc[:n])
		enc = enc[n:]
	}
	return b.String()
}

// legacyName is the quoted Content-Type name parameter: RFC 2047 words,
// one per line, when name is not printable ASCII. It is "" when name is
// too long for one line and not encoded (filename* carries it).
func legacyName(name string) string {
	if printableASCII(name) {
		if len(name) > 900 {
			return ""
		}
		return `"` + escapeQuoted(name) + `"`
	}
	words := mime.BEncoding.Encode("utf-8", name)
	return `"` + strings.ReplaceAll(words, " ", "\r\n ") + `"`
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func escapeQuoted(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// percentEncode encodes s for an RFC 2231 value: everything but the
// attribute characters as %XX.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// isAttrChar reports whether c is an RFC 2231 attribute-char: a token
// character other than the asterisk, the apostrophe and the percent sign.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
