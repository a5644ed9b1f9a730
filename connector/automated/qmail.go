package automated

import (
	"strings"
)

// qmailIntro starts the bounce qmail-send writes (qmail's
// qmail-send.c): plain text, not multipart/report, sent from the null
// sender.
const qmailIntro = "Hi. This is the qmail-send program at "

// qmailBounce reads a qmail bounce from text: after the introduction, a
// paragraph per failed recipient, "<address>:" then the reason, which
// ends in an enhanced status code such as "(#5.1.1)"; the copy of the
// message after "--- Below this line" or "--- Enclosed are" is not read.
// ok is false when text is not one.
func qmailBounce(text string) (b *Bounce, ok bool) {
	text = strings.TrimLeft(text, " \t\r\n")
	if !strings.HasPrefix(text, qmailIntro) {
		return nil, false
	}
	b = &Bounce{Action: "failed"}
	var cur *Recipient
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "--- ") {
			break
		}
		if strings.HasPrefix(line, "<") && strings.HasSuffix(line, ">:") {
			if len(b.Recipients) == maxRecipients {
				break
			}
			b.Recipients = append(b.Recipients, Recipient{Address: line[1 : len(line)-2], Action: "failed"})
			cur = &b.Recipients[len(b.Recipients)-1]
			continue
		}
		if cur == nil || strings.TrimSpace(line) == "" {
			continue
		}
		cur.Diagnostic = diagnostic(cur.Diagnostic + " " + line)
		if cur.Status == "" {
			cur.Status = qmailStatus(line)
		}
	}
	return b, true
}

// qmailStatus returns the code of a "(#5.1.1)" in line, or the
// enhanced status code a remote server gave ("Remote host said: 550
// 5.2.2 Mailbox full"), if any.
func qmailStatus(line string) string {
	if i := strings.Index(line, "(#"); i >= 0 {
		rest := line[i+2:]
		if j := strings.IndexByte(rest, ')'); j >= 0 && isStatusCode(rest[:j]) {
			return rest[:j]
		}
	}
	for f := range strings.FieldsSeq(line) {
		if isStatusCode(f) {
			return f
		}
	}
	return ""
}
