// Package mailgen generates a deterministic, realistic mailbox for tests
// and benchmarks: the same seed always gives the same messages, so a test
// can check what a server returns against the generator's own record.
//
// The mix, per message: about 30% multipart/alternative (text and HTML),
// 8% with an attachment, 12% non-ASCII subjects (RFC 2047), 5% non-ASCII
// sender names, 25% replies (In-Reply-To and References to an earlier
// message), bodies in 7bit, 8bit, quoted-printable or base64, and flags
// (70% \Seen, 5% \Flagged, 3% \Answered).
//
// The raw messages are written here by hand, not by the module's MIME
// builder, so that tests of the parser do not check it against itself.
package mailgen

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one generated message and what a correct reader reports for
// it.
type Message struct {
	Index int
	// MessageID, InReplyTo and References are without angle brackets.
	MessageID  string
	InReplyTo  string
	References []string
	Subject    string
	FromName   string
	FromEmail  string
	To         string
	Date       time.Time
	// Text is the plain-text body with LF line endings; HTML is empty
	// unless the message has an HTML alternative.
	Text string
	HTML string
	// Attachment is nil unless the message has one.
	Attachment *Attachment
	// Flags are IMAP system flags.
	Flags []string
	// Raw is the RFC 5322 message with CRLF line endings.
	Raw []byte
}

// Attachment is a generated attachment.
type Attachment struct {
	Filename    string
	ContentType string
	Content     []byte
}

var (
	first     = []string{"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Yolanda"}
	last      = []string{"Smith", "Johnson", "Lee", "Garcia", "Martin", "Brown", "Davis", "Clark", "Lewis", "Walker", "Young", "King", "Wright", "Lopez", "Hill", "Scott", "Green", "Adams", "Baker", "Nelson"}
	intlNames = []string{"José Müller", "Zoë Ångström", "Łukasz Wróbel", "Иван Петров", "山田 太郎", "François Lefèvre", "Søren Kierkegård", "Ağca Çelik"}
	domains   = []string{"example.com", "example.org", "example.net", "corp.example", "mail.example.io", "lists.example.org", "billing.example.com", "news.example.net"}
	projects  = []string{"Apollo", "Borealis", "Cascade", "Delta", "Everest", "Fjord", "Gemini", "Horizon", "Ionic", "Juniper"}
	subjects  = []string{"Meeting notes: %[1]s weekly sync", "Invoice #%[2]d for %[3]s", "Your order %[2]d has shipped", "[%[1]s] Build failed on main (%[2]d)", "Quarterly report %[3]s draft", "Lunch on %[4]s?", "%[1]s roadmap review", "Welcome to %[1]s!", "Question about the %[1]s API", "Pull request #%[2]d: fix %[1]s timeouts", "Contract renewal %[2]d", "Expense claim %[2]d approved"}
	intlSubj  = []string{"Grüße aus München – Termin am %[4]s", "Привет! Отчёт по проекту %[1]s", "日本語の件名テスト %[2]d", "Café ☕ on %[4]s? 🎉", "Réunion de l'équipe %[1]s à 14h", "Zażółć gęślą jaźń #%[2]d", "中文主题 %[1]s 进度更新"}
	words     = strings.Fields("the project status update is attached please review the numbers before friday we need to confirm budget timeline customer feedback deployment schedule database migration test results look good overall but there are a few open questions about latency and error rates let me know if you have time to discuss tomorrow morning thanks again for your help")
	intlLines = []string{"Viele Grüße aus Köln, schönes Wochenende!", "Спасибо за помощь, до встречи.", "よろしくお願いします。", "Merci beaucoup, à bientôt."}
	months    = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	days      = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}
	zones     = []int{0, 2 * 3600, -5 * 3600, 9 * 3600, 5*3600 + 1800, -8 * 3600}
)

// Base is the date of message 0; message i is about i×90 minutes later.
var Base = time.Date(2023, 1, 2, 8, 0, 0, 0, time.UTC)

// Generate calls fn with messages 0 to count-1 of the mailbox seeded by
// seed, in order, stopping at fn's first error.
func Generate(seed uint64, count int, to string, fn func(*Message) error) error {
	r := rand.New(rand.NewPCG(seed, 0x6d61696c67656e))
	type past struct {
		id, subject string
		refs        []string
	}
	var history []past
	for i := range count {
		m := &Message{Index: i, To: to}
		const step = 5400
		epoch := Base.Unix() + int64(i)*step + r.Int64N(step)
		zone := zones[r.IntN(len(zones))]
		m.Date = time.Unix(epoch, 0).In(time.FixedZone("", zone))
		fn1, ln := first[r.IntN(len(first))], last[r.IntN(len(last))]
		dom := domains[r.IntN(len(domains))]
		m.FromName = fn1 + " " + ln
		if r.Float64() < 0.05 {
			m.FromName = intlNames[r.IntN(len(intlNames))]
		}
		m.FromEmail = strings.ToLower(fn1 + "." + ln + "@" + dom)
		p, n := projects[r.IntN(len(projects))], 1000+r.IntN(99000)
		mo, d := months[r.IntN(len(months))], days[r.IntN(len(days))]
		switch {
		case len(history) > 0 && r.Float64() < 0.25:
			parent := history[max(0, len(history)-1-r.IntN(200))]
			m.Subject = parent.subject
			if !strings.HasPrefix(m.Subject, "Re: ") {
				m.Subject = "Re: " + m.Subject
			}
			m.InReplyTo = parent.id
			m.References = append(append([]string(nil), parent.refs...), parent.id)
			if len(m.References) > 10 {
				m.References = m.References[len(m.References)-10:]
			}
		case r.Float64() < 0.12:
			m.Subject = fmt.Sprintf(intlSubj[r.IntN(len(intlSubj))], p, n, mo, d)
		default:
			m.Subject = fmt.Sprintf(subjects[r.IntN(len(subjects))], p, n, mo, d)
		}
		m.MessageID = fmt.Sprintf("gen.%d.%012x@%s", i, r.Uint64()&0xffffffffffff, dom)

		var paras []string
		for range 1 + r.IntN(6) {
			paras = append(paras, paragraph(r, 15+r.IntN(105)))
		}
		text := strings.Join(paras, "\n\n")
		if r.Float64() < 0.15 {
			text += "\n\n" + intlLines[r.IntN(len(intlLines))]
		}
		m.Text = "Hi Alice,\n\n" + text + "\n\n-- \n" + m.FromName + "\n"
		if r.Float64() < 0.30 {
			var b strings.Builder
			b.WriteString("<html><body>\n")
			for _, para := range strings.Split(m.Text, "\n\n") {
				b.WriteString("<p>" + para + "</p>\n")
			}
			fmt.Fprintf(&b, "<table><tr><td>%d</td><td>%s</td></tr></table></body></html>", n, p)
			m.HTML = b.String()
		}
		if r.Float64() < 0.08 {
			m.Attachment = attachment(r, n)
		}
		if r.Float64() < 0.03 {
			m.Flags = append(m.Flags, `\Answered`)
		}
		if r.Float64() < 0.05 {
			m.Flags = append(m.Flags, `\Flagged`)
		}
		if r.Float64() < 0.70 {
			m.Flags = append(m.Flags, `\Seen`)
		}
		m.Raw = render(r, m)
		history = append(history, past{id: m.MessageID, subject: m.Subject, refs: m.References})
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

func paragraph(r *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[r.IntN(len(words))]
	}
	s := strings.Join(ws, " ")
	s = strings.ToUpper(s[:1]) + s[1:] + "."
	// Wrap at 72 columns.
	var b strings.Builder
	col := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if col+1+len(w) > 72 {
				b.WriteByte('\n')
				col = 0
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}

func attachment(r *rand.Rand, n int) *Attachment {
	size := 512 + r.IntN(16384-512)
	random := func(k int) []byte {
		b := make([]byte, k)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	switch r.IntN(4) {
	case 0:
		return &Attachment{Filename: fmt.Sprintf("report-%d.pdf", n), ContentType: "application/pdf", Content: random(size)}
	case 1:
		var b strings.Builder
		b.WriteString("id,value,project\n")
		for j := range size / 16 {
			fmt.Fprintf(&b, "%d,%d,%s\n", j, r.IntN(1000), projects[r.IntN(len(projects))])
		}
		return &Attachment{Filename: "data.csv", ContentType: "text/csv", Content: []byte(b.String())}
	case 2:
		return &Attachment{Filename: "screenshot.png", ContentType: "image/png", Content: random(size)}
	}
	return &Attachment{Filename: "Übersicht Q3 – Zahlen.bin", ContentType: "application/octet-stream", Content: random(size / 4)}
}

// render writes m as RFC 5322 with CRLF line endings.
func render(r *rand.Rand, m *Message) []byte {
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", encodeWord(m.FromName)+" <"+m.FromEmail+">")
	h("To", "Alice Example <"+m.To+">")
	h("Subject", encodeWord(m.Subject))
	h("Date", m.Date.Format(time.RFC1123Z))
	h("Message-ID", "<"+m.MessageID+">")
	if m.InReplyTo != "" {
		h("In-Reply-To", "<"+m.InReplyTo+">")
		refs := make([]string, len(m.References))
		for i, ref := range m.References {
			refs[i] = "<" + ref + ">"
		}
		h("References", strings.Join(refs, "\r\n "))
	}
	h("X-Generator", "mailgen/1")
	h("MIME-Version", "1.0")

	textPart := textEntity(r, m.Text)
	var body string
	switch {
	case m.HTML == "" && m.Attachment == nil:
		body = textPart
	case m.Attachment == nil:
		body = multipart("alternative", "alt-"+m.MessageID, textPart, htmlEntity(m.HTML))
	default:
		inner := textPart
		if m.HTML != "" {
			inner = multipart("alternative", "alt-"+m.MessageID, textPart, htmlEntity(m.HTML))
		}
		body = multipart("mixed", "mix-"+m.MessageID, inner, attachmentEntity(m.Attachment))
	}
	b.WriteString(body)
	return []byte(b.String())
}

// An entity is its header lines, a blank line and its body, CRLF ended.

func textEntity(r *rand.Rand, text string) string {
	crlf := strings.ReplaceAll(text, "\n", "\r\n")
	if isASCII(text) {
		return "Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + crlf
	}
	switch r.IntN(3) {
	case 0:
		return "Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + crlf
	case 1:
		var b strings.Builder
		w := quotedprintable.NewWriter(&b)
		_, _ = w.Write([]byte(crlf))
		_ = w.Close()
		return "Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + b.String()
	}
	return "Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64Lines([]byte(crlf))
}

func htmlEntity(html string) string {
	return "Content-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64Lines([]byte(html))
}

func attachmentEntity(a *Attachment) string {
	name := `filename="` + a.Filename + `"`
	if !isASCII(a.Filename) {
		name = "filename*=utf-8''" + percentEncode(a.Filename)
	}
	return "Content-Type: " + a.ContentType + "\r\nContent-Disposition: attachment; " + name +
		"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64Lines(a.Content)
}

func multipart(subtype, boundary string, parts ...string) string {
	boundary = "=_" + strings.NewReplacer("@", "_", ".", "_").Replace(boundary)
	var b strings.Builder
	b.WriteString("Content-Type: multipart/" + subtype + "; boundary=\"" + boundary + "\"\r\n\r\n")
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.String()
}

func base64Lines(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}

func encodeWord(s string) string {
	if isASCII(s) {
		return s
	}
	// Encoded words are at most 75 characters (RFC 2047 §2): split the
	// text at rune boundaries into chunks of at most 45 bytes.
	var words []string
	for len(s) > 0 {
		n := min(len(s), 45)
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

func percentEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
