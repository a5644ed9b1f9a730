package connectortest

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// TestMessage describes a message the suite delivers, with the values a
// connector must report for it.
type TestMessage struct {
	MessageID  string
	Subject    string
	FromName   string
	From       string
	To         string
	Date       time.Time
	Text       string
	HTML       string
	InReplyTo  string
	References []string
	// Attachment, when set, is attached as Filename with ContentType.
	Attachment  []byte
	Filename    string
	ContentType string
}

// NewTestMessage returns the n-th test message of a run: every third is a
// reply with threading headers, every fourth has an HTML alternative and
// an attachment, and subjects carry non-ASCII text.
func NewTestMessage(run string, n int) TestMessage {
	m := TestMessage{
		MessageID: fmt.Sprintf("ct-%s-%d@connectortest.example", run, n),
		Subject:   fmt.Sprintf("Bestellung Nr. %d – Lieferung verspätet ✉", n),
		FromName:  "Zoë Kundin",
		From:      fmt.Sprintf("customer%d@example.org", n),
		To:        "support@example.com",
		Date:      time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute),
		Text:      fmt.Sprintf("Hallo,\r\nmeine Bestellung %d ist nicht angekommen.\r\nGrüße", n),
	}
	if n%3 == 2 {
		root := fmt.Sprintf("ct-%s-root@connectortest.example", run)
		m.InReplyTo = fmt.Sprintf("ct-%s-%d@connectortest.example", run, n-1)
		m.References = []string{root, m.InReplyTo}
	}
	if n%4 == 3 {
		m.HTML = fmt.Sprintf("<p>Hallo,</p><p>meine Bestellung <b>%d</b> ist nicht angekommen.</p>", n)
		m.Filename = fmt.Sprintf("rechnung-%d.pdf", n)
		m.ContentType = "application/pdf"
		m.Attachment = []byte(fmt.Sprintf("%%PDF-1.4\n%% invoice %d\n\x00\x01\x02\xff binary tail", n))
	}
	return m
}

// Raw renders m as an RFC 5322 message with CRLF line endings.
func (m TestMessage) Raw() []byte {
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("Message-ID", "<"+m.MessageID+">")
	h("Date", m.Date.Format(time.RFC1123Z))
	h("From", fmt.Sprintf("=?UTF-8?Q?%s?= <%s>", qEncode(m.FromName), m.From))
	h("To", "Support <"+m.To+">")
	h("Subject", "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(m.Subject))+"?=")
	if m.InReplyTo != "" {
		h("In-Reply-To", "<"+m.InReplyTo+">")
		refs := make([]string, len(m.References))
		for i, r := range m.References {
			refs[i] = "<" + r + ">"
		}
		h("References", strings.Join(refs, " "))
	}
	h("MIME-Version", "1.0")
	text := base64.StdEncoding.EncodeToString([]byte(m.Text))
	if m.HTML == "" && m.Attachment == nil {
		h("Content-Type", `text/plain; charset="utf-8"`)
		h("Content-Transfer-Encoding", "base64")
		b.WriteString("\r\n" + wrap(text) + "\r\n")
		return []byte(b.String())
	}
	const outer, inner = "ct-outer-boundary", "ct-inner-boundary"
	h("Content-Type", `multipart/mixed; boundary="`+outer+`"`)
	b.WriteString("\r\nThis is a multi-part message in MIME format.\r\n")
	b.WriteString("--" + outer + "\r\n")
	b.WriteString(`Content-Type: multipart/alternative; boundary="` + inner + "\"\r\n\r\n")
	b.WriteString("--" + inner + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + wrap(text) + "\r\n")
	b.WriteString("--" + inner + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		wrap(base64.StdEncoding.EncodeToString([]byte(m.HTML))) + "\r\n")
	b.WriteString("--" + inner + "--\r\n")
	b.WriteString("--" + outer + "\r\n")
	b.WriteString("Content-Type: " + m.ContentType + "; name=\"" + m.Filename + "\"\r\n")
	b.WriteString("Content-Disposition: attachment; filename=\"" + m.Filename + "\"\r\n")
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(wrap(base64.StdEncoding.EncodeToString(m.Attachment)) + "\r\n")
	b.WriteString("--" + outer + "--\r\n")
	return []byte(b.String())
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

func qEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == ' ':
			b.WriteByte('_')
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String()
}
