package mime

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func newTestMessage() *connector.Message { return &connector.Message{} }

func TestParseNoHeader(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "\r\n", "\r\n\r\nbody", "just text\nmore text\n", " continuation first\n\n"} {
		_, err := Parse([]byte(raw), ParseOptions{})
		require.ErrorIs(t, err, ErrNoHeader, "%q", raw)
	}
	m, err := Parse([]byte("From sender@example.com Mon Jan  1 00:00:00 2024\nSubject: mbox\n\nhi\n"), ParseOptions{})
	require.NoError(t, err)
	require.Equal(t, "mbox", m.Subject)
	require.Empty(t, m.Problems)

	m, err = Parse([]byte("\xEF\xBB\xBFSubject: BOM\n\nhi\n"), ParseOptions{})
	require.NoError(t, err)
	require.Equal(t, "BOM", m.Subject)
	require.Equal(t, int64(3+13+1+3), m.Size) // BOM, header line, blank line, body
}

func TestParseOptionsInvalid(t *testing.T) {
	t.Parallel()
	raw := []byte("Subject: x\n\n")
	for _, o := range []ParseOptions{{MaxDepth: -1}, {MaxParts: -1}, {Headers: []string{""}}} {
		_, err := Parse(raw, o)
		require.Error(t, err)
		require.True(t, strings.HasPrefix(err.Error(), "mime: ParseOptions."), err.Error())
	}
}

func TestParseHeadersOption(t *testing.T) {
	t.Parallel()
	raw := []byte("Subject: x\nList-Id: <l.example.com>\nX-Custom: =?utf-8?q?=C3=A9?=\nx-custom: two\nPrecedence: bulk\n\n")

	m, err := Parse(raw, ParseOptions{})
	require.NoError(t, err)
	require.Equal(t, connector.Header{"List-Id": {"<l.example.com>"}, "Precedence": {"bulk"}}, m.Headers)

	m, err = Parse(raw, ParseOptions{Headers: []string{"x-custom"}})
	require.NoError(t, err)
	require.Equal(t, connector.Header{"X-Custom": {"é", "two"}}, m.Headers)

	m, err = Parse(raw, ParseOptions{Headers: []string{}})
	require.NoError(t, err)
	require.Nil(t, m.Headers)
}

func TestParseMaxAttachmentContent(t *testing.T) {
	t.Parallel()
	raw := []byte("Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n" +
		"--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAwQ=\n" + // 5 bytes
		"--b\nContent-Type: application/octet-stream\n\n0123456789\n" + // 10 bytes
		"--b--\n")
	for _, tc := range []struct {
		max      int64
		contents []string
	}{
		{0, []string{"\x00\x01\x02\x03\x04", "0123456789"}}, // default 1 MiB
		{5, []string{"\x00\x01\x02\x03\x04", ""}},
		{-1, []string{"", ""}},
	} {
		m, err := Parse(raw, ParseOptions{MaxAttachmentContent: tc.max})
		require.NoError(t, err)
		require.Len(t, m.Attachments, 2)
		for i, a := range m.Attachments {
			require.Equal(t, []int64{5, 10}[i], a.Size)
			if tc.contents[i] == "" {
				require.Nil(t, a.Content, "max %d part %d", tc.max, i)
			} else {
				require.Equal(t, tc.contents[i], string(a.Content))
			}
		}
	}
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	t.Run("parts", func(t *testing.T) {
		t.Parallel()
		var b strings.Builder
		b.WriteString("Subject: many\nContent-Type: multipart/mixed; boundary=b\n\n")
		for range 20 {
			b.WriteString("--b\nContent-Type: image/png\n\nx\n")
		}
		b.WriteString("--b--\n")
		m, err := Parse([]byte(b.String()), ParseOptions{MaxParts: 5})
		require.NoError(t, err)
		// The message itself counts as one entity.
		require.Len(t, m.Attachments, 4)
		require.Equal(t, []string{"message: more than 5 parts, the rest skipped"}, m.Problems)
	})
	t.Run("depth", func(t *testing.T) {
		t.Parallel()
		raw := "Subject: deep\nContent-Type: multipart/mixed; boundary=a\n\n" +
			"--a\nContent-Type: multipart/mixed; boundary=b\n\n" +
			"--b\nContent-Type: multipart/mixed; boundary=c\n\n" +
			"--c\nContent-Type: image/png\n\nx\n--c--\n--b--\n--a--\n"
		m, err := Parse([]byte(raw), ParseOptions{MaxDepth: 2})
		require.NoError(t, err)
		require.Equal(t, []string{"part 1.1: nested deeper than 2 levels, kept as one attachment"}, m.Problems)
		require.Len(t, m.Attachments, 1)
		require.Equal(t, "1.1", m.Attachments[0].ID)
		require.Equal(t, "multipart/mixed", m.Attachments[0].ContentType)
	})
}

func TestParseDoesNotKeepRaw(t *testing.T) {
	t.Parallel()
	raw := []byte("Subject: keep\nContent-Type: application/octet-stream\n\nORIGINAL")
	m, err := Parse(raw, ParseOptions{})
	require.NoError(t, err)
	copy(raw[bytes.Index(raw, []byte("ORIGINAL")):], "CHANGED!")
	require.Equal(t, "ORIGINAL", string(m.Attachments[0].Content))
}

func TestParseDigestDefaultsToMessages(t *testing.T) {
	t.Parallel()
	raw := "Subject: digest\nContent-Type: multipart/digest; boundary=d\n\n" +
		"--d\n\nSubject: first\n\none\n" +
		"--d\n\nSubject: second\n\ntwo\n--d--\n"
	m, err := Parse([]byte(raw), ParseOptions{})
	require.NoError(t, err)
	require.Len(t, m.Attachments, 2)
	require.Equal(t, "first.eml", m.Attachments[0].Filename)
	require.Equal(t, "message/rfc822", m.Attachments[0].ContentType)
	require.Equal(t, "second.eml", m.Attachments[1].Filename)
	require.Empty(t, m.Text)
}
