package postgres

import (
	"maps"
	"slices"
	"time"

	"github.com/ucsp/integration/connector"
)

// cleanMessage returns a copy of m whose every string PostgreSQL can
// store (see cleanText). The copy shares m's slices and maps unless they
// needed cleaning, so that the common case, a clean message, costs one
// scan of its text. ProviderID and ProviderRef are left as they are:
// they are checked, not cleaned, since two cleaned keys could collide.
func cleanMessage(m *connector.Message) connector.Message {
	c := *m
	c.ThreadID = cleanText(c.ThreadID)
	c.MessageID = cleanText(c.MessageID)
	c.InReplyTo = cleanTexts(c.InReplyTo)
	c.References = cleanTexts(c.References)
	c.From = cleanAddresses(c.From)
	c.To = cleanAddresses(c.To)
	c.Cc = cleanAddresses(c.Cc)
	c.Bcc = cleanAddresses(c.Bcc)
	c.ReplyTo = cleanAddresses(c.ReplyTo)
	c.Subject = cleanText(c.Subject)
	c.Text = cleanText(c.Text)
	c.HTML = cleanText(c.HTML)
	c.Attachments = cleanAttachments(c.Attachments)
	c.Folders = cleanTexts(c.Folders)
	c.Labels = cleanTexts(c.Labels)
	c.Flags = cleanTexts(c.Flags)
	c.Headers = cleanHeader(c.Headers)
	c.Problems = cleanTexts(c.Problems)
	c.Automated = cleanAutomated(c.Automated)
	normalizeMessage(&c)
	return c
}

// normalizeMessage makes m read as it will read back from storage: empty
// lists and maps nil, times as JSON returns them (no monotonic reading,
// UTC or a fixed offset).
func normalizeMessage(m *connector.Message) {
	m.InReplyTo, m.References = nilIfEmpty(m.InReplyTo), nilIfEmpty(m.References)
	m.From, m.To, m.Cc = nilIfEmpty(m.From), nilIfEmpty(m.To), nilIfEmpty(m.Cc)
	m.Bcc, m.ReplyTo = nilIfEmpty(m.Bcc), nilIfEmpty(m.ReplyTo)
	m.Attachments = nilIfEmpty(m.Attachments)
	m.Folders, m.Labels, m.Flags = nilIfEmpty(m.Folders), nilIfEmpty(m.Labels), nilIfEmpty(m.Flags)
	m.Problems = nilIfEmpty(m.Problems)
	if len(m.Headers) == 0 {
		m.Headers = nil
	}
	m.Date, m.ReceivedAt = jsonTime(m.Date), jsonTime(m.ReceivedAt)
}

// jsonTime returns t as encoding/json decodes it after encoding it.
func jsonTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	b, err := t.MarshalText()
	if err != nil {
		return t
	}
	var out time.Time
	if out.UnmarshalText(b) != nil {
		return t
	}
	return out
}

func cleanAddresses(as []connector.Address) []connector.Address {
	if !slices.ContainsFunc(as, func(a connector.Address) bool { return !storable(a.Name) || !storable(a.Email) }) {
		return as
	}
	out := make([]connector.Address, len(as))
	for i, a := range as {
		out[i] = connector.Address{Name: cleanText(a.Name), Email: cleanText(a.Email)}
	}
	return out
}

func cleanAttachments(as []connector.Attachment) []connector.Attachment {
	dirty := func(a connector.Attachment) bool {
		return !storable(a.ID) || !storable(a.Filename) || !storable(a.ContentType) || !storable(a.ContentID)
	}
	if !slices.ContainsFunc(as, dirty) {
		return as
	}
	out := slices.Clone(as)
	for i := range out {
		a := &out[i]
		a.ID, a.Filename = cleanText(a.ID), cleanText(a.Filename)
		a.ContentType, a.ContentID = cleanText(a.ContentType), cleanText(a.ContentID)
	}
	return out
}

func cleanHeader(h connector.Header) connector.Header {
	dirty := false
	for k, vs := range h {
		if !storable(k) || slices.ContainsFunc(vs, func(v string) bool { return !storable(v) }) {
			dirty = true
			break
		}
	}
	if !dirty {
		return h
	}
	out := make(connector.Header, len(h))
	for _, k := range slices.Sorted(maps.Keys(h)) {
		ck := cleanText(k)
		out[ck] = append(out[ck], cleanTexts(h[k])...)
	}
	return out
}

// copyMessage returns a copy of m that shares no slice or map with it,
// without attachment content, which is not stored: the message as a read
// would return it.
func copyMessage(m *connector.Message) connector.Message {
	c := *m
	c.InReplyTo, c.References = slices.Clone(c.InReplyTo), slices.Clone(c.References)
	c.From, c.To, c.Cc = slices.Clone(c.From), slices.Clone(c.To), slices.Clone(c.Cc)
	c.Bcc, c.ReplyTo = slices.Clone(c.Bcc), slices.Clone(c.ReplyTo)
	c.Attachments = slices.Clone(c.Attachments)
	for i := range c.Attachments {
		c.Attachments[i].Content = nil
	}
	c.Folders, c.Labels, c.Flags = slices.Clone(c.Folders), slices.Clone(c.Labels), slices.Clone(c.Flags)
	c.Problems = slices.Clone(c.Problems)
	if c.Headers != nil {
		h := make(connector.Header, len(c.Headers))
		for k, vs := range c.Headers {
			h[k] = slices.Clone(vs)
		}
		c.Headers = h
	}
	return c
}
