package automated

import (
	"mime"
	"strings"
)

// The bounds of what a report yields.
const (
	maxRecipients = 100
	maxDiagnostic = 500
)

// media is a parsed Content-Type.
type media struct {
	typ    string // lower case, without parameters
	params map[string]string
}

func (m media) param(name string) string { return m.params[name] }

// mediaOf parses a Content-Type value leniently: a value the mime package
// refuses still gives its type.
func mediaOf(v string) media {
	typ, params, err := mime.ParseMediaType(v)
	if err != nil && typ == "" {
		typ, _, _ = strings.Cut(v, ";")
		typ = strings.ToLower(strings.TrimSpace(typ))
	}
	return media{typ: typ, params: params}
}

// parseDeliveryStatus reads the fields of a message/delivery-status body
// (RFC 3464 §2): a block of per-message fields, then one block per
// recipient, blocks separated by blank lines, lines folded as in a
// header. It never fails: what it cannot read it leaves out.
func parseDeliveryStatus(body []byte) *Bounce {
	b := &Bounce{}
	blocks := fieldBlocks(string(body))
	for _, blk := range blocks {
		if mta := blk.get("reporting-mta"); mta != "" && b.ReportingMTA == "" {
			b.ReportingMTA = typedValue(mta)
		}
		addr := typedValue(blk.get("final-recipient"))
		if addr == "" {
			addr = typedValue(blk.get("original-recipient"))
		}
		if addr == "" {
			continue // the per-message fields
		}
		if len(b.Recipients) == maxRecipients {
			break
		}
		b.Recipients = append(b.Recipients, Recipient{
			Address:    strings.Trim(addr, "<>"),
			Action:     keyword(blk.get("action")),
			Status:     statusCode(blk.get("status")),
			Diagnostic: diagnostic(typedValue(blk.get("diagnostic-code"))),
		})
	}
	b.Action = summarise(b.Recipients)
	return b
}

// summarise is Bounce.Action of recipients: failed over delayed over the
// first action.
func summarise(rs []Recipient) string {
	first := ""
	delayed := false
	for _, r := range rs {
		switch r.Action {
		case "failed":
			return "failed"
		case "delayed":
			delayed = true
		}
		if first == "" {
			first = r.Action
		}
	}
	if delayed {
		return "delayed"
	}
	return first
}

// block is one block of fields, lower-case names.
type block []struct{ name, value string }

func (b block) get(name string) string {
	for _, f := range b {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// fieldBlocks splits s into blocks of header-like fields.
func fieldBlocks(s string) []block {
	var (
		out []block
		cur block
	)
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.TrimSpace(line) == "":
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
		case line[0] == ' ' || line[0] == '\t':
			if len(cur) > 0 {
				cur[len(cur)-1].value += " " + strings.TrimSpace(line)
			}
		default:
			name, value, ok := strings.Cut(line, ":")
			if ok {
				cur = append(cur, struct{ name, value string }{strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)})
			}
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// typedValue returns the value of a typed field: "a@example.com" of
// "rfc822; a@example.com", "mx.example.com" of "dns; mx.example.com".
func typedValue(v string) string {
	if _, after, ok := strings.Cut(v, ";"); ok {
		return strings.TrimSpace(after)
	}
	return strings.TrimSpace(v)
}

// statusCode returns the enhanced status code (RFC 3463) at the start of
// v: "5.1.1" of "5.1.1 (bad destination mailbox address)".
func statusCode(v string) string {
	f := strings.Fields(v)
	if len(f) == 0 || !isStatusCode(f[0]) {
		return ""
	}
	return f[0]
}

// isStatusCode reports whether s looks like class.subject.detail with a
// class of 2, 4 or 5.
func isStatusCode(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return false
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// diagnostic is v on one line, spaces collapsed, at most maxDiagnostic
// bytes of valid UTF-8.
func diagnostic(v string) string {
	v = strings.Join(strings.Fields(strings.ToValidUTF8(v, " ")), " ")
	if len(v) > maxDiagnostic {
		v = strings.ToValidUTF8(v[:maxDiagnostic], "")
	}
	return v
}

// failedRecipients is the Bounce of an X-Failed-Recipients field (Exim,
// Gmail): every address in it failed.
func failedRecipients(v string) *Bounce {
	b := &Bounce{Action: "failed"}
	for a := range strings.SplitSeq(v, ",") {
		a = strings.Trim(strings.TrimSpace(a), "<>")
		if a != "" && len(b.Recipients) < maxRecipients {
			b.Recipients = append(b.Recipients, Recipient{Address: a, Action: "failed"})
		}
	}
	return b
}
