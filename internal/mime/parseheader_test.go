package mime

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// ParseHeader reads what the header says and nothing of a body it does
// not have: a multipart header without its parts is not a problem.
func TestParseHeader(t *testing.T) {
	t.Parallel()
	header := "Message-ID: <big@example.com>\r\n" +
		"From: Ann <ann@example.com>\r\n" +
		"To: support@example.com\r\n" +
		"Subject: =?utf-8?q?Gro=C3=9Fe_Datei?=\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n" +
		"In-Reply-To: <earlier@example.com>\r\n" +
		"List-Id: <list.example.com>\r\n" +
		"Content-Type: multipart/mixed; boundary=zz\r\n"
	for _, raw := range []string{header, header + "\r\n", header + "\r\n--zz\r\nContent-Type: text/plain\r\n\r\nthe start of the body\r\n"} {
		m, err := ParseHeader([]byte(raw), ParseOptions{})
		require.NoError(t, err)
		require.Equal(t, "big@example.com", m.MessageID)
		require.Equal(t, "Große Datei", m.Subject)
		require.Equal(t, "ann@example.com", m.From[0].Email)
		require.Equal(t, []string{"earlier@example.com"}, m.InReplyTo)
		require.Equal(t, []string{"<list.example.com>"}, m.Headers["List-Id"])
		require.Equal(t, 2026, m.Date.Year())
		require.Empty(t, m.Text)
		require.Empty(t, m.HTML)
		require.Empty(t, m.Attachments)
		require.Empty(t, m.Problems, "%q", raw)
		require.Equal(t, int64(len(raw)), m.Size)

		full, err := Parse([]byte(raw), ParseOptions{})
		require.NoError(t, err)
		require.NotEmpty(t, full.Problems, "Parse reads the missing body as a problem")
	}
	_, err := ParseHeader([]byte("\r\n"), ParseOptions{})
	require.ErrorIs(t, err, ErrNoHeader)
}
