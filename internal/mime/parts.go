package mime

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/ucsp/integration/connector"
)

// The MIME tree walk. Part numbers follow RFC 3501 §6.4.5: the parts of a
// multipart are numbered from 1 below the multipart's number; a message
// that is not multipart has its body as part 1; the parts of an attached
// message (message/rfc822) are numbered below the attached message's
// number, its multipart itself taking no number of its own.

// message walks the body of a message, the top-level one (prefix "") or
// one attached as part prefix.
func (p *parser) message(h header, body []byte, prefix string, depth int, nested bool) {
	if !p.count() {
		return
	}
	where := partName(prefix)
	ct := p.contentType(h, where, "text/plain")
	if !nested {
		p.report = ct.token == "multipart/report"
	}
	if strings.HasPrefix(ct.token, "multipart/") {
		p.multipart(h, ct, body, prefix, true, depth, nested)
		return
	}
	p.leaf(h, ct, body, join(prefix, 1), depth, nested)
}

// entity walks one part of a multipart.
func (p *parser) entity(h header, body []byte, id, defaultType string, depth int, nested bool) {
	if !p.count() {
		return
	}
	ct := p.contentType(h, partName(id), defaultType)
	if strings.HasPrefix(ct.token, "multipart/") {
		p.multipart(h, ct, body, id, false, depth, nested)
		return
	}
	p.leaf(h, ct, body, id, depth, nested)
}

// multipart walks the parts of a multipart entity numbered id. top reports
// that the multipart is a message's body (its number is the message's).
func (p *parser) multipart(h header, ct media, body []byte, id string, top bool, depth int, nested bool) {
	where := partName(id)
	self := id
	if top {
		self = join(id, 1)
	}
	if depth >= p.opts.maxDepth {
		p.problem(where, "nested deeper than %d levels, kept as one attachment", p.opts.maxDepth)
		p.attachment(h, ct, media{}, "", encIdentity, body, self)
		return
	}
	boundary := ct.params.get("boundary")
	budget := p.opts.maxParts - p.entities
	var res splitResult
	mark := len(p.parts)
	if boundary != "" {
		// One part more than the budget lets count report the overflow.
		res = splitMultipart(body, boundary, budget+1, p.parts)
		p.parts = res.parts
		p.partsHigh = max(p.partsHigh, len(p.parts))
		res.parts = res.parts[mark:len(res.parts):len(res.parts)]
	}
	if !res.found {
		p.parts = p.parts[:mark]
		p.problem(where, "%s without its boundary, read as text", ct.token)
		p.leaf(h, media{token: "text/plain", params: ct.params}, body, self, depth, nested)
		return
	}
	if !res.closed && len(res.parts) <= budget {
		p.problem(where, "no closing boundary, message may be truncated")
	}
	if len(res.parts) == 0 {
		p.problem(where, "%s without parts", ct.token)
	}
	defaultType := "text/plain"
	if ct.token == "multipart/digest" {
		defaultType = "message/rfc822"
	}
	for i, part := range res.parts {
		if p.full {
			break
		}
		child := join(id, i+1)
		fieldsMark := len(p.fields)
		hb := p.readHeader(part, nil)
		if hb.badLines > 0 {
			p.problem(partName(child), "skipped %d header line(s) that are not header fields", hb.badLines)
		}
		if hb.unterminated && len(hb.fields) > 0 {
			p.problem(partName(child), "header not ended by a blank line")
		}
		if hb.dropped > 0 {
			p.problem(partName(child), "more than %d header fields, %d ignored", maxFields, hb.dropped)
		}
		p.entity(hb.fields, part[hb.body:], child, defaultType, depth+1, nested)
		p.fields = p.fields[:fieldsMark]
	}
	p.parts = p.parts[:mark]
}

// leaf handles a part that is not a multipart.
func (p *parser) leaf(h header, ct media, body []byte, id string, depth int, nested bool) {
	where := partName(id)
	var disp media
	if v, ok := h.get("Content-Disposition"); ok {
		disp = p.parseMediaParams(where, p.headerText(where, v))
	}
	cte, _ := h.get("Content-Transfer-Encoding")
	enc, encName := parseTransferEncoding(cte)
	if enc == encUnknown {
		p.problem(where, "unknown Content-Transfer-Encoding %q, kept as is", excerpt(encName))
	}
	filename := disp.params.get("filename")
	if filename == "" {
		filename = ct.params.get("name")
	}
	filename = cleanFilename(filename)
	if p.report && depth == 1 && !nested {
		p.reportPart(ct, enc, body)
	}

	switch {
	case ct.token == "message/rfc822" || ct.token == "message/global":
		p.attachedMessage(h, ct, disp, filename, enc, body, id, depth)
	case (ct.token == "text/plain" || ct.token == "text/html") && disp.token != "attachment" && filename == "":
		if nested {
			return // the attached message's body, not ours
		}
		// Decoded into p.scratch: decodeText copies what it keeps.
		decoded, clean := decodeTransferInto(p.scratch, enc, body)
		if enc == encBase64 || enc == encQP {
			p.scratch = decoded[:0]
		}
		if !clean && enc != encUnknown {
			p.problem(where, "damaged %s, decoded leniently", encName)
		}
		text := p.decodeText(where, ct.params.get("charset"), decoded)
		if ct.token == "text/html" {
			p.htmls = append(p.htmls, text)
		} else {
			p.texts = append(p.texts, text)
		}
	default:
		p.attachment(h, ct, disp, filename, enc, body, id)
	}
}

// attachedMessage lists a message/rfc822 part as an attachment, then the
// parts of the message it holds (unless it is transfer-encoded, which
// IMAP servers do not look into either).
func (p *parser) attachedMessage(h header, ct, disp media, filename string, enc transferEncoding, body []byte, id string, depth int) {
	where := partName(id)
	var inner headerBlock
	mark := len(p.fields)
	if enc == encIdentity {
		inner = p.readHeader(body, nil)
	}
	if filename == "" {
		filename = subjectFilename(p.headerValue(inner.fields, "Subject", where))
	}
	p.attachment(h, ct, disp, filename, enc, body, id)
	switch {
	case enc != encIdentity:
	case len(inner.fields) == 0:
		p.problem(where, "attached message has no header")
	case depth+1 > p.opts.maxDepth:
		p.problem(where, "nested deeper than %d levels, parts not listed", p.opts.maxDepth)
	default:
		p.message(inner.fields, body[inner.body:], id, depth+1, true)
	}
	p.fields = p.fields[:mark]
}

// attachment adds a part to Message.Attachments.
func (p *parser) attachment(h header, ct, disp media, filename string, enc transferEncoding, body []byte, id string) {
	where := partName(id)
	a := connector.Attachment{
		ID:          id,
		Filename:    filename,
		ContentType: cleanLine(ct.token),
		ContentID:   p.contentID(h, where),
	}
	a.Inline = disp.token == "inline" || (disp.token == "" && a.ContentID != "")
	keep := func(size int64) bool { return p.opts.maxContent >= 0 && size <= p.opts.maxContent }
	switch enc {
	case encQP:
		content, clean := decodeQP(body)
		if !clean {
			p.problem(where, "damaged quoted-printable, decoded leniently")
		}
		a.Size = int64(len(content))
		if keep(a.Size) {
			a.Content = content
		}
	case encBase64:
		// Small enough at most: decode once and measure the result.
		if keep(int64(len(body) / 4 * 3)) {
			content, clean := decodeBase64(body)
			if !clean {
				p.problem(where, "damaged base64, decoded leniently")
			}
			a.Content, a.Size = content, int64(len(content))
			break
		}
		a.Size = decodedSize(enc, body)
		if keep(a.Size) {
			content, clean := decodeBase64(body)
			if !clean {
				p.problem(where, "damaged base64, decoded leniently")
			}
			a.Content = content
		}
	default:
		a.Size = int64(len(body))
		if keep(a.Size) {
			a.Content = bytes.Clone(body)
			if a.Content == nil {
				a.Content = []byte{}
			}
		}
	}
	p.msg.Attachments = append(p.msg.Attachments, a)
}

// contentType parses the Content-Type of h; def is the type of a part
// without one. An invalid type (no '/') is read as text/plain (RFC 2045
// §5.2).
func (p *parser) contentType(h header, where, def string) media {
	v, ok := h.get("Content-Type")
	if !ok || strings.TrimSpace(v) == "" {
		return media{token: def}
	}
	ct := p.parseMediaParams(where, p.headerText(where, v))
	if i := strings.IndexByte(ct.token, '/'); i <= 0 || i == len(ct.token)-1 || strings.ContainsAny(ct.token, " \t") {
		p.problem(where, "invalid Content-Type %q, read as text/plain", excerpt(ct.token))
		ct.token = "text/plain"
	}
	return ct
}

// contentID returns the Content-ID of h without angle brackets.
func (p *parser) contentID(h header, where string) string {
	v, ok := h.get("Content-Id")
	if !ok {
		return ""
	}
	v = cleanLine(p.headerText(where, v))
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">"))
	return v
}

// subjectFilename names an attached message after its subject:
// "Re: a/b" gives "Re: a_b.eml", no subject "message.eml".
func subjectFilename(subject string) string {
	const maxLen = 200
	s := strings.NewReplacer("/", "_", `\`, "_").Replace(subject)
	if len(s) > maxLen {
		s = strings.ToValidUTF8(s[:maxLen], "")
	}
	if s = strings.TrimSpace(s); s == "" {
		return "message.eml"
	}
	return s + ".eml"
}

// join returns the number of the n-th part below prefix.
func join(prefix string, n int) string {
	if prefix == "" {
		return strconv.Itoa(n)
	}
	return prefix + "." + strconv.Itoa(n)
}

// partName names a part in problems.
func partName(id string) string {
	if id == "" {
		return "message"
	}
	return "part " + id
}
