package mime

import (
	"io"
	"mime"
	"net/mail"
	"strings"

	"github.com/ucsp/integration/connector"
)

// addressList parses an address header (every occurrence of name,
// joined). A list net/mail rejects is split on its top-level commas and
// each piece parsed alone, then loosely (an <addr> or a word with an '@');
// what still has no address is dropped and a problem recorded. A piece
// without an address directly before one is taken as the start of an
// unquoted display name with a comma ("Doe, John <john@example.com>").
func (p *parser) addressList(h header, name string) []connector.Address {
	first := h.next(name, 0)
	if first < 0 {
		return nil
	}
	v := p.headerText(name, h.value(first))
	if h.next(name, first+1) >= 0 {
		// Several fields: joined.
		vals := []string{v}
		for i := h.next(name, first+1); i >= 0; i = h.next(name, i+1) {
			vals = append(vals, p.headerText(name, h.value(i)))
		}
		v = strings.Join(vals, ", ")
	}
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if out, ok := p.fastAddressList(name, v); ok {
		return out
	}
	ap := p.addressParser(name)
	if list, err := ap.ParseList(v); err == nil {
		return p.convertAddresses(name, list)
	}
	p.problem(name, "malformed address list, read leniently")
	var out []connector.Address
	pending := ""
	for _, piece := range splitTopLevel(v) {
		piece = strings.TrimSpace(piece)
		if piece == "" {
			continue
		}
		var a *mail.Address
		if parsed, err := ap.Parse(piece); err == nil {
			a = parsed
		} else {
			a = looseAddress(piece)
		}
		if a == nil {
			if strings.ContainsAny(piece, "@<") {
				p.problem(name, "dropped %q", cleanLine(piece))
				pending = ""
			} else {
				pending = piece
			}
			continue
		}
		if pending != "" {
			a.Name = strings.Trim(pending, `"' `) + ", " + a.Name
			pending = ""
		}
		out = append(out, p.convertAddresses(name, []*mail.Address{a})...)
	}
	if pending != "" {
		p.problem(name, "dropped %q", cleanLine(pending))
	}
	return out
}

func (p *parser) addressParser(where string) *mail.AddressParser {
	return &mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
		return p.wordCharset(where, cs, r), nil
	}}}
}

func (p *parser) convertAddresses(where string, list []*mail.Address) []connector.Address {
	var out []connector.Address
	for _, a := range list {
		name := a.Name
		if strings.Contains(name, "=?") { // encoded words inside quotes
			name = p.decodeWords(where, name)
		}
		email := cleanLine(a.Address)
		if email == "" {
			continue
		}
		out = append(out, connector.Address{Name: cleanLine(name), Email: email})
	}
	return out
}

// splitTopLevel splits an address list on the commas outside quotes,
// angle brackets and comments.
func splitTopLevel(v string) []string {
	var parts []string
	quoted, angle, comment := false, false, 0
	start := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && (quoted || comment > 0):
			i++
		case c == '"' && comment == 0:
			quoted = !quoted
		case quoted:
		case c == '(':
			comment++
		case c == ')' && comment > 0:
			comment--
		case comment > 0:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case (c == ',' || c == ';') && !angle:
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	return append(parts, v[start:])
}

// looseAddress reads "name <addr>", or a word with an '@' and the rest as
// the name, from a piece net/mail rejected. It returns nil when the piece
// has no address.
func looseAddress(s string) *mail.Address {
	// A group name ("Team: a@b.c") is not part of the address.
	if c := strings.IndexByte(s, ':'); c >= 0 && !strings.ContainsAny(s[:c], `"<@`) {
		s = s[c+1:]
	}
	if i := strings.IndexByte(s, '<'); i >= 0 {
		rest := s[i+1:]
		if j := strings.IndexByte(rest, '>'); j >= 0 {
			rest = rest[:j]
		}
		email := strings.TrimSpace(rest)
		if plausibleEmail(email) {
			return &mail.Address{Name: unquote(s[:i]), Address: email}
		}
		return nil
	}
	words := strings.Fields(s)
	for i, w := range words {
		email := strings.Trim(w, `<>()[]"';:,`)
		if plausibleEmail(email) {
			name := strings.Join(append(append([]string(nil), words[:i]...), words[i+1:]...), " ")
			return &mail.Address{Name: unquote(strings.Trim(name, "()")), Address: email}
		}
	}
	return nil
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.ReplaceAll(s[1:len(s)-1], `\"`, `"`)
	}
	return strings.TrimSpace(s)
}

// plausibleEmail reports local@domain without spaces or brackets.
func plausibleEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t<>()[],;:\"")
}
