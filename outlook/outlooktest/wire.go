package outlooktest

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"

	"github.com/ucsp/integration/connector"
)

const timeFormat = "2006-01-02T15:04:05Z"

// immutableIDs reports whether r asked for immutable ids
// (Prefer: IdType="ImmutableId"). Without it, a message's id changes
// when it moves to another folder, as Outlook's default ids do.
func immutableIDs(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.ReplaceAll(strings.TrimSpace(p), " ", ""), `IdType="ImmutableId"`) {
				return true
			}
		}
	}
	return false
}

// preferInt returns the value of a Prefer preference such as
// odata.maxpagesize=N, or 0.
func preferInt(r *http.Request, name string) int {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(k, name) {
				n, err := strconv.Atoi(strings.Trim(val, `"`))
				if err == nil && n > 0 {
					return n
				}
			}
		}
	}
	return 0
}

// wireID is the id a client sees for m: the immutable id, or with
// mutable ids one that names the folder too.
func wireID(r *http.Request, m *message) string {
	if immutableIDs(r) {
		return m.id
	}
	return m.folder[len(m.folder)-8:] + "." + m.id
}

// immutableID maps an id a client sent back to the immutable one.
func immutableID(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		return id[i+1:]
	}
	return id
}

func recipient(a connector.Address) map[string]any {
	return map[string]any{"emailAddress": map[string]any{"name": a.Name, "address": a.Email}}
}

func recipients(list []connector.Address) []any {
	out := make([]any, 0, len(list))
	for _, a := range list {
		out = append(out, recipient(a))
	}
	return out
}

// wire renders m as Graph's message resource (the JSON properties of
// learn.microsoft.com/graph/api/resources/message), keeping only the
// properties in sel when it is not empty (id always).
func (m *message) wire(r *http.Request, sel []string) map[string]any {
	p := m.parsed
	body := map[string]any{"contentType": "text", "content": p.Text}
	if p.HTML != "" {
		body = map[string]any{"contentType": "html", "content": p.HTML}
	}
	flag := "notFlagged"
	if m.flagged {
		flag = "flagged"
	}
	var from any
	if len(p.From) > 0 {
		from = recipient(p.From[0])
	}
	sent := p.Date
	if sent.IsZero() {
		sent = m.received
	}
	preview := p.Text
	if len(preview) > 255 {
		preview = preview[:255]
	}
	w := map[string]any{
		"@odata.etag":                `W/"CQAAABYAAAA` + strconv.Itoa(m.changeKey) + `"`,
		"id":                         wireID(r, m),
		"createdDateTime":            m.received.Format(timeFormat),
		"lastModifiedDateTime":       m.modified.Format(timeFormat),
		"changeKey":                  "CQAAABYAAAA" + strconv.Itoa(m.changeKey),
		"categories":                 append([]string{}, m.categories...),
		"receivedDateTime":           m.received.Format(timeFormat),
		"sentDateTime":               sent.UTC().Format(timeFormat),
		"hasAttachments":             len(p.Attachments) > 0,
		"internetMessageId":          "<" + p.MessageID + ">",
		"subject":                    p.Subject,
		"bodyPreview":                preview,
		"importance":                 cmp.Or(m.importance, "normal"),
		"parentFolderId":             m.folder,
		"conversationId":             m.conversationID,
		"conversationIndex":          "AQHS",
		"isDeliveryReceiptRequested": false,
		"isReadReceiptRequested":     false,
		"isRead":                     m.read,
		"isDraft":                    m.draft,
		"webLink":                    "https://outlook.office365.com/owa/?ItemID=" + m.id + "&exvsurl=1&viewmodel=ReadMessageItem",
		"inferenceClassification":    "focused",
		"body":                       body,
		"sender":                     from,
		"from":                       from,
		"toRecipients":               recipients(p.To),
		"ccRecipients":               recipients(p.Cc),
		"bccRecipients":              recipients(p.Bcc),
		"replyTo":                    recipients(p.ReplyTo),
		"flag":                       map[string]any{"flagStatus": flag},
	}
	if len(sel) == 0 {
		return w
	}
	w["internetMessageHeaders"] = m.headers()
	out := map[string]any{"@odata.etag": w["@odata.etag"], "id": w["id"]}
	for _, k := range sel {
		for wk, v := range w {
			if strings.EqualFold(wk, k) {
				out[wk] = v
			}
		}
	}
	return out
}

// selectList splits a $select value.
func selectList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// headers is internetMessageHeaders, returned only when selected, as
// Graph does: the threading headers of the message.
func (m *message) headers() []any {
	p := m.parsed
	out := []any{map[string]string{"name": "Message-ID", "value": "<" + p.MessageID + ">"}}
	join := func(ids []string) string {
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = "<" + id + ">"
		}
		return strings.Join(parts, " ")
	}
	if len(p.InReplyTo) > 0 {
		out = append(out, map[string]string{"name": "In-Reply-To", "value": join(p.InReplyTo)})
	}
	if len(p.References) > 0 {
		out = append(out, map[string]string{"name": "References", "value": join(p.References)})
	}
	return out
}
