package mime_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

func TestSanitize(t *testing.T) {
	t.Parallel()
	m := &connector.Message{
		ProviderID: "event:a\nb",
		ThreadID:   "conv\r\n1",
		MessageID:  "id@x\r\nBcc: victim@example.org",
		InReplyTo:  []string{"a@x\r\n"},
		References: []string{"b@x\x00"},
		From:       []connector.Address{{Name: "Ann\r\nBcc: victim@example.org", Email: "ann@example.org"}},
		To:         []connector.Address{{Name: "\tHelp\x7f desk ", Email: "help@example.com"}},
		Cc:         []connector.Address{{Name: "Bad \xff byte", Email: "cc@example.com"}},
		Subject:    "Order\r\n\tfollow-up\x00",
		Text:       "line 1\r\nline 2\x00",
		HTML:       "<p>x\x00</p>",
		Attachments: []connector.Attachment{
			{ID: "1\n", Filename: `C:\Users\bob\notes.txt`, ContentType: "text/plain\r\nX: y", ContentID: "<c\n>"},
			{Filename: "../../etc/passwd"},
			{Filename: "dir/sub/report\r\n.pdf"},
		},
	}
	mime.Sanitize(m)
	require.Equal(t, "id@x  Bcc: victim@example.org", m.MessageID)
	require.Equal(t, []string{"a@x"}, m.InReplyTo)
	require.Equal(t, []string{"b@x"}, m.References)
	require.Equal(t, "Ann  Bcc: victim@example.org", m.From[0].Name)
	require.Equal(t, "Help  desk", m.To[0].Name)
	require.Equal(t, "Bad \uFFFD byte", m.Cc[0].Name)
	require.Equal(t, "Order   follow-up", m.Subject)
	require.Equal(t, "line 1\nline 2", m.Text)
	require.Equal(t, "<p>x</p>", m.HTML)
	require.Equal(t, "1", m.Attachments[0].ID)
	require.Equal(t, "notes.txt", m.Attachments[0].Filename)
	require.Equal(t, "text/plain  X: y", m.Attachments[0].ContentType)
	require.Equal(t, "<c >", m.Attachments[0].ContentID)
	require.Equal(t, "passwd", m.Attachments[1].Filename)
	require.Equal(t, "report  .pdf", m.Attachments[2].Filename)
	require.Equal(t, "event:a\nb", m.ProviderID, "identities are left alone")
	require.Equal(t, "conv\r\n1", m.ThreadID)
}

// A clean message, the usual case, costs nothing but the scan.
func TestSanitizeCleanAllocatesNothing(t *testing.T) {
	clean := &connector.Message{
		Subject: "Hello", From: []connector.Address{{Name: "Ann", Email: "ann@example.org"}}, Text: "hi\nthere",
		Attachments: []connector.Attachment{{ID: "1", Filename: "a.pdf", ContentType: "application/pdf"}},
	}
	require.Zero(t, testing.AllocsPerRun(100, func() { mime.Sanitize(clean) }))
	require.Equal(t, "hi\nthere", clean.Text)
}
