package smtp_test

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// uniqueID returns a Message-ID no other test run uses.
func uniqueID(t testing.TB, prefix string) string {
	t.Helper()
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return prefix + "-" + hex.EncodeToString(b) + "@smtp-test.example"
}

// simple is a minimal valid message.
func simple(t testing.TB) *connector.OutboundMessage {
	return &connector.OutboundMessage{
		MessageID: uniqueID(t, "simple"),
		From:      connector.Address{Email: "support@example.com"},
		To:        []connector.Address{{Email: "customer@example.org"}},
		Subject:   "Hello",
		Text:      "Hello there.",
	}
}

// pdf is binary attachment content: NUL, high bytes, CR and LF alone.
var pdf = []byte("%PDF-1.4\n\x00\x01\x02\xff\xfe\r\nbinary\rtracking\n%%EOF")

// png is an inline image's content.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-not-really")

// reply is a customer-service reply with everything that can go wrong:
// non-ASCII subject and names, text and HTML, an attachment and an inline
// image, threading headers, Cc and Bcc, an extra header.
func reply(t testing.TB) *connector.OutboundMessage {
	root := uniqueID(t, "root")
	parent := uniqueID(t, "parent")
	return &connector.OutboundMessage{
		MessageID:  uniqueID(t, "reply"),
		From:       connector.Address{Name: "Kundendienst Müller & Söhne", Email: "support@example.com"},
		To:         []connector.Address{{Name: "Zoë Kundin", Email: "customer@example.org"}},
		Cc:         []connector.Address{{Name: "Łukasz Świątek", Email: "colleague@example.org"}},
		Bcc:        []connector.Address{{Name: "Hidden Auditor", Email: "audit@example.net"}},
		ReplyTo:    []connector.Address{{Email: "tickets+4711@example.com"}},
		Subject:    "Re: Bestellung Nr. 4711 – Lieferung verspätet ✉ 日本語",
		Text:       "Guten Tag Zoë,\nIhre Bestellung ist unterwegs.\n\n-- \nKundendienst",
		HTML:       `<p>Guten Tag Zoë,</p><p>Ihre Bestellung ist <b>unterwegs</b>.</p><img src="cid:logo@example.com">`,
		InReplyTo:  parent,
		References: []string{root, parent},
		Attachments: []connector.OutboundAttachment{
			{Filename: "Sendungsverfolgung – Übersicht.pdf", ContentType: "application/pdf", Content: pdf},
			{Filename: "logo.png", ContentType: "image/png", ContentID: "logo@example.com", Content: png},
		},
		Headers: connector.Header{"X-Ticket-Id": {"4711"}},
	}
}

// requireSameMessage parses raw with the module's one parser and checks
// that it is out.
func requireSameMessage(t testing.TB, out *connector.OutboundMessage, raw []byte) {
	t.Helper()
	got, err := mime.Parse(raw, mime.ParseOptions{Headers: []string{"X-Ticket-Id"}})
	require.NoError(t, err)
	require.Empty(t, got.Problems)
	require.Equal(t, out.MessageID, got.MessageID)
	require.Equal(t, out.Subject, got.Subject)
	require.Equal(t, []connector.Address{out.From}, got.From)
	require.Equal(t, out.To, got.To)
	require.Equal(t, out.Cc, got.Cc)
	require.Empty(t, got.Bcc, "a Bcc header was sent")
	require.Equal(t, out.ReplyTo, got.ReplyTo)
	if out.InReplyTo != "" {
		require.Equal(t, []string{out.InReplyTo}, got.InReplyTo)
	}
	require.Equal(t, out.References, got.References)
	require.Equal(t, out.Text, body(out.Text, got.Text))
	require.Equal(t, out.HTML, body(out.HTML, got.HTML))
	require.Len(t, got.Attachments, len(out.Attachments))
	for i, a := range out.Attachments {
		var match *connector.Attachment
		for j := range got.Attachments {
			if got.Attachments[j].Filename == a.Filename {
				match = &got.Attachments[j]
			}
		}
		require.NotNil(t, match, "attachment %d %q missing", i, a.Filename)
		require.Equal(t, a.ContentType, match.ContentType)
		require.Equal(t, a.ContentID, match.ContentID)
		require.Equal(t, a.Content, match.Content, "attachment %q bytes differ", a.Filename)
	}
	for k, v := range out.Headers {
		require.Equal(t, v, []string(got.Headers[k]), "header %s", k)
	}
}

// body normalises a received body for comparison with the sent one:
// LF line ends, and without the line end SMTP adds to a last line that
// had none (DATA ends with CRLF "." CRLF).
func body(sent, got string) string {
	got = strings.ReplaceAll(got, "\r\n", "\n")
	if !strings.HasSuffix(sent, "\n") {
		got = strings.TrimSuffix(got, "\n")
	}
	return got
}
