package mime

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ucsp/integration/connector"
)

// ErrNoHeader is returned by Parse for input that has no header field at
// all (empty input, or input whose first line, after an optional mbox
// "From " line, is not a header field): there is nothing to make a
// message of.
var ErrNoHeader = errors.New("mime: no header field: not a message")

// Parse reads raw, an RFC 5322 message, into a connector.Message. It fills
// the fields a message carries itself (addresses, subject, date,
// Message-ID and threading ids, bodies, attachments, selected headers,
// Size, and Automated: whether a machine wrote it, classified by
// connector/automated from all its top-level header fields and its
// delivery-status part); ProviderID, ThreadID, ReceivedAt, folders, labels and flags are
// the connector's to fill.
//
// Parse fails only when raw has no header field ([ErrNoHeader]) or opts is
// invalid (a negative limit, an empty header name). Anything else that
// cannot be read cleanly is read as well as it can be and described in
// Message.Problems; see the package documentation. Parse does not keep a
// reference to raw.
//
// Bodies: the text/plain and text/html parts that are not attachments
// (no "attachment" disposition, no file name) and not inside an attached
// message become Text and HTML, decoded to UTF-8 with LF line ends;
// several parts of one kind are joined with a line break.
//
// Attachments: every other leaf part, and every message/rfc822 part
// (whose own parts are then listed too, numbered below it). Attachment.ID
// is the part's IMAP body section number (RFC 3501 §6.4.5), so
// BODY.PEEK[ID] fetches it; ContentType is the lower-cased media type
// without parameters; Inline reports an "inline" disposition, or no
// disposition and a Content-ID; Size is the decoded size; Content is set
// when Size is at most ParseOptions.MaxAttachmentContent. An attached
// message without a file name is named after its subject.
func Parse(raw []byte, opts ParseOptions) (*connector.Message, error) {
	return parse(raw, opts, true)
}

// ParseHeader is Parse for a message of which only the header was read
// (a message too large to read whole): raw is its header block, with or
// without the empty line that ends it. The Message has what Parse takes
// from the header (envelope, threading, Headers) and Size
// len(raw); no body, no attachments, and no problem for a missing empty
// line.
func ParseHeader(raw []byte, opts ParseOptions) (*connector.Message, error) {
	return parse(raw, opts, false)
}

func parse(raw []byte, opts ParseOptions, body bool) (*connector.Message, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	msg := bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF")) // a BOM from a Windows .eml file
	p := newParser(o)
	defer p.free()
	hb := p.readHeader(msg, &p.opts)
	if len(hb.fields) == 0 {
		return nil, ErrNoHeader
	}
	p.msg = &connector.Message{Size: int64(len(raw))}
	if hb.badLines > 0 {
		p.problem("header", "skipped %d line(s) that are not header fields", hb.badLines)
	}
	if hb.unterminated && body {
		p.problem("header", "not ended by a blank line")
	}
	if hb.dropped > 0 {
		p.problem("header", "more than %d fields, %d ignored", maxFields, hb.dropped)
	}
	p.envelope(hb.fields)
	if body {
		p.message(hb.fields, msg[hb.body:], "", 0, false)
	}
	p.finish()
	p.classify(hb.fields)
	return p.msg, nil
}

// parser holds the state of one Parse call.
type parser struct {
	opts     resolved
	msg      *connector.Message
	entities int  // MIME entities looked at
	full     bool // opts.maxParts reached
	texts    []string
	htmls    []string
	// fields holds the header fields of the entities being looked at,
	// as a stack: see readHeader.
	fields     header
	fieldsHigh int // the most fields ever on the stack
	// parts holds the parts of the multiparts being walked, as a stack.
	parts     [][]byte
	partsHigh int
	// The first bodies, without an allocation of their own.
	textBuf, htmlBuf [1]string
	// addrs is room for the address lists of the message: one
	// allocation for From, To and Cc.
	addrs []connector.Address
	// scratch holds transfer-decoded text bodies until they are
	// converted to strings.
	scratch []byte
	// report says the message is a multipart/report; deliveryStatus is
	// the content of its delivery-status part (see automated.go).
	report         bool
	deliveryStatus []byte
}

// newAddresses returns an empty slice with room for n addresses, carved
// from p.addrs.
func (p *parser) newAddresses(n int) []connector.Address {
	if cap(p.addrs)-len(p.addrs) < n {
		p.addrs = make([]connector.Address, 0, max(n, 4))
	}
	l := len(p.addrs)
	p.addrs = p.addrs[:l+n]
	return p.addrs[l : l : l+n]
}

// parsers keeps parsers, with their fields stack, for reuse.
var parsers = sync.Pool{New: func() any { return &parser{fields: make(header, 0, 32), parts: make([][]byte, 0, 8)} }}

// maxPooledFields and maxPooledParts bound the stacks of a parser kept
// for reuse.
const (
	maxPooledFields = 256
	maxPooledParts  = 256
	// maxPooledScratch bounds the decoding buffer kept: a larger one
	// was for an unusually large body.
	maxPooledScratch = 256 << 10
)

func newParser(o resolved) *parser {
	p := parsers.Get().(*parser)
	p.opts = o
	p.texts, p.htmls = p.textBuf[:0], p.htmlBuf[:0]
	return p
}

// free puts p back for reuse, without any reference to the message it
// parsed (the fields point into the raw message).
func (p *parser) free() {
	fields, parts, scratch := p.fields[:p.fieldsHigh], p.parts[:p.partsHigh], p.scratch
	clear(fields)
	clear(parts)
	if cap(scratch) > maxPooledScratch {
		scratch = nil
	}
	*p = parser{fields: fields[:0], parts: parts[:0], scratch: scratch[:0]}
	if cap(fields) <= maxPooledFields && cap(parts) <= maxPooledParts {
		parsers.Put(p)
	}
}

// readHeader reads the header block at the start of b (see the function
// readHeader), its fields pushed on p.fields, and interns the values of
// the fields Parse reads, and of the headers of opts if not nil (see
// internValues). The caller pops the fields
// (p.fields = p.fields[:mark], mark being len(p.fields) before the call)
// once it is done with them.
func (p *parser) readHeader(b []byte, opts *resolved) headerBlock {
	mark := len(p.fields)
	hb := readHeader(b, p.fields)
	p.fields = hb.fields
	n := len(hb.fields)
	p.fieldsHigh = max(p.fieldsHigh, n)
	hb.fields = hb.fields[mark:n:n]
	internValues(hb.fields, opts)
	return hb
}

// problem records a problem, once, up to maxProblems.
func (p *parser) problem(where, format string, args ...any) {
	n := len(p.msg.Problems)
	if n >= maxProblems {
		return
	}
	s := cleanLine(where + ": " + fmt.Sprintf(format, args...))
	if slices.Contains(p.msg.Problems, s) {
		return
	}
	if n == maxProblems-1 {
		s = "more problems not listed"
	}
	p.msg.Problems = append(p.msg.Problems, s)
}

// count counts one more entity and reports whether it may be looked at.
func (p *parser) count() bool {
	if p.entities >= p.opts.maxParts {
		if !p.full {
			p.full = true
			p.problem("message", "more than %d parts, the rest skipped", p.opts.maxParts)
		}
		return false
	}
	p.entities++
	return true
}

// envelope fills the fields that come from the top-level header.
func (p *parser) envelope(h header) {
	m := p.msg
	if v, ok := h.get("Message-Id"); ok {
		var buf [2]string
		if ids := appendMsgIDs(buf[:0], p.headerText("Message-ID", v)); len(ids) > 0 {
			m.MessageID = cleanLine(ids[0])
		} else if v != "" {
			p.problem("Message-ID", "no message id in %q", excerpt(v))
		}
	}
	m.InReplyTo = p.msgIDList(h, "In-Reply-To")
	m.References = p.msgIDList(h, "References")
	m.From = p.addressList(h, "From")
	m.To = p.addressList(h, "To")
	m.Cc = p.addressList(h, "Cc")
	m.Bcc = p.addressList(h, "Bcc")
	m.ReplyTo = p.addressList(h, "Reply-To")
	m.Subject = p.headerValue(h, "Subject", "Subject")
	if v, ok := h.get("Date"); ok && v != "" {
		if t, ok := parseDate(p.headerText("Date", v)); ok {
			m.Date = t
		} else {
			p.problem("Date", "cannot parse %q", excerpt(v))
		}
	}
	m.Headers = p.selectHeaders(h)
}

func (p *parser) msgIDList(h header, name string) []string {
	var ids []string
	for i := h.next(name, 0); i >= 0; i = h.next(name, i+1) {
		v := p.headerText(name, h.value(i))
		if ids == nil {
			if n := strings.Count(v, "<"); n > 1 {
				ids = make([]string, 0, n)
			}
		}
		start := len(ids)
		ids = appendMsgIDs(ids, v)
		for j := start; j < len(ids); j++ {
			ids[j] = cleanLine(ids[j])
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return ids
}

// selectHeaders keeps the fields named in opts.headers.
func (p *parser) selectHeaders(h header) connector.Header {
	var out connector.Header
	for i := range h {
		name, ok := p.opts.header(h[i].name)
		if !ok {
			continue
		}
		if out == nil {
			out = make(connector.Header)
		}
		v := cleanLine(p.decodeWords(name, p.headerText(name, h.value(i))))
		out[name] = append(out[name], v)
	}
	return out
}

// finish joins the bodies and makes sure every string is clean.
func (p *parser) finish() {
	m := p.msg
	m.Text = joinBodies(p.texts)
	m.HTML = joinBodies(p.htmls)
	sanitizeMessage(m)
}

func joinBodies(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	var b strings.Builder
	for i, s := range parts {
		if i > 0 && !strings.HasSuffix(parts[i-1], "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	return b.String()
}

// excerpt shortens s for a problem message.
func excerpt(s string) string {
	const limit = 80
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
