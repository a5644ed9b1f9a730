package mime

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	longName := "Prüfbericht für das Geschäftsjahr 2024 – endgültige Fassung mit allen Anlagen und Unterschriften.pdf"
	for _, tc := range []struct {
		name string
		m    connector.OutboundMessage
	}{
		{
			name: "text only",
			m: connector.OutboundMessage{
				MessageID: "rt-1@example.com",
				From:      connector.Address{Email: "a@example.com"},
				To:        []connector.Address{{Email: "b@example.org"}},
				Subject:   "Plain",
				Text:      "Just text.\nTwo lines.\n",
			},
		},
		{
			name: "html only",
			m: connector.OutboundMessage{
				MessageID: "rt-2@example.com",
				From:      connector.Address{Email: "a@example.com"},
				To:        []connector.Address{{Email: "b@example.org"}},
				Subject:   "HTML",
				HTML:      "<p>Only <b>HTML</b></p>",
			},
		},
		{
			name: "everything, not ASCII",
			m: connector.OutboundMessage{
				MessageID:  "rt-3.reply@example.com",
				From:       connector.Address{Name: "Jürgen Müller", Email: "jm@example.de"},
				To:         []connector.Address{{Name: "Zoë Ådams", Email: "zoe@example.org"}, {Email: "plain@example.org"}},
				Cc:         []connector.Address{{Name: "Иван Петров", Email: "ivan@example.ru"}, {Name: "Doe, John", Email: "john@example.com"}},
				ReplyTo:    []connector.Address{{Name: "サポート", Email: "support@example.jp"}},
				Subject:    "Re: Grüße aus Köln – 日本語の件名も ☕ and a subject long enough to be folded over several lines",
				Text:       "Hallo Zoë,\n\ndanke für die Nachricht – ☕.\nA line that is rather long, longer than seventy-six characters, so that quoted-printable has to wrap it.\n",
				HTML:       "<p>Hallo Zoë,</p><p>danke für die Nachricht – ☕.</p><img src=\"cid:logo@example.de\">",
				InReplyTo:  "parent.1@example.org",
				References: []string{"root.0@example.org", "parent.1@example.org"},
				Attachments: []connector.OutboundAttachment{
					{Filename: longName, ContentType: "application/pdf", Content: []byte("%PDF-1.7\x00\x01\x02\xff binary")},
					{Filename: "Übersicht (März).csv", ContentType: "text/csv; charset=utf-8", Content: []byte("a;b\r\nä;ö\r\n")},
					{Filename: "logo.png", ContentType: "image/png", ContentID: "logo@example.de", Content: []byte{0x89, 'P', 'N', 'G', 0, 0}},
					{Filename: "empty.txt", ContentType: "text/plain", Content: []byte{}},
				},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, err := Render(&tc.m, BuildOptions{Now: fixedNow})
			require.NoError(t, err)
			got, err := Parse(raw, ParseOptions{})
			require.NoError(t, err)

			require.Empty(t, got.Problems)
			require.Equal(t, tc.m.MessageID, got.MessageID)
			require.Equal(t, tc.m.Subject, got.Subject)
			require.Equal(t, []connector.Address{tc.m.From}, got.From)
			require.Equal(t, tc.m.To, got.To)
			require.Equal(t, tc.m.Cc, got.Cc)
			require.Equal(t, tc.m.ReplyTo, got.ReplyTo)
			if tc.m.InReplyTo == "" {
				require.Empty(t, got.InReplyTo)
			} else {
				require.Equal(t, []string{tc.m.InReplyTo}, got.InReplyTo)
			}
			require.Equal(t, tc.m.References, got.References)
			require.Equal(t, tc.m.Text, got.Text)
			require.Equal(t, tc.m.HTML, got.HTML)
			require.True(t, fixedNow().Equal(got.Date))
			require.Len(t, got.Attachments, len(tc.m.Attachments))
			byName := map[string]connector.Attachment{}
			for _, a := range got.Attachments {
				byName[a.Filename] = a
			}
			for _, want := range tc.m.Attachments {
				a, ok := byName[want.Filename]
				require.True(t, ok, "attachment %q missing", want.Filename)
				require.Equal(t, want.Content, a.Content, want.Filename)
				require.Equal(t, int64(len(want.Content)), a.Size)
				require.Equal(t, want.ContentID, a.ContentID)
				require.Equal(t, want.ContentID != "", a.Inline)
				wantType, _, _ := strings.Cut(want.ContentType, ";")
				require.Equal(t, wantType, a.ContentType)
			}
		})
	}
}
