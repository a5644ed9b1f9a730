package mailgen_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mailgen"
	"github.com/ucsp/integration/internal/mime"
)

// Every generated message parses, with the MIME parser, to exactly what
// the generator recorded; and the same seed gives the same bytes.
func TestGeneratedMessagesParseToTheirRecord(t *testing.T) {
	t.Parallel()
	var stats struct{ html, attach, intl, replies int }
	var first [][]byte
	err := mailgen.Generate(42, 2000, "alice@example.test", func(m *mailgen.Message) error {
		if m.Index < 5 {
			first = append(first, m.Raw)
		}
		require.False(t, bytes.Contains(bytes.ReplaceAll(m.Raw, []byte("\r\n"), nil), []byte("\n")), "bare LF in message %d", m.Index)
		got, err := mime.Parse(m.Raw, mime.ParseOptions{MaxAttachmentContent: 1 << 20})
		require.NoError(t, err)
		require.Empty(t, got.Problems, "message %d", m.Index)
		require.Equal(t, m.MessageID, got.MessageID)
		require.Equal(t, m.Subject, got.Subject, "message %d", m.Index)
		require.Equal(t, []connector.Address{{Name: m.FromName, Email: m.FromEmail}}, got.From)
		require.True(t, m.Date.Equal(got.Date), "message %d date", m.Index)
		require.Equal(t, m.Text, got.Text, "message %d text", m.Index)
		require.Equal(t, m.HTML, got.HTML, "message %d html", m.Index)
		if m.InReplyTo != "" {
			stats.replies++
			require.Equal(t, []string{m.InReplyTo}, got.InReplyTo)
			require.Equal(t, m.References, got.References)
		}
		if m.Attachment != nil {
			stats.attach++
			require.Len(t, got.Attachments, 1)
			require.Equal(t, m.Attachment.Filename, got.Attachments[0].Filename)
			require.Equal(t, m.Attachment.Content, got.Attachments[0].Content)
		}
		if m.HTML != "" {
			stats.html++
		}
		if strings.ContainsFunc(m.Subject, func(r rune) bool { return r > 127 }) {
			stats.intl++
		}
		return nil
	})
	require.NoError(t, err)
	// The mix is roughly what the package documents.
	require.InDelta(t, 600, stats.html, 120)
	require.InDelta(t, 160, stats.attach, 60)
	require.InDelta(t, 500, stats.replies, 100)
	require.Greater(t, stats.intl, 80)

	var again [][]byte
	require.NoError(t, mailgen.Generate(42, 5, "alice@example.test", func(m *mailgen.Message) error {
		again = append(again, m.Raw)
		return nil
	}))
	require.Equal(t, first, again, "the same seed must give the same messages")
}

func TestWriteMaildir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	n, err := mailgen.WriteMaildir(dir, 7, 30, "bob@example.test")
	require.NoError(t, err)
	require.Positive(t, n)
	files, err := os.ReadDir(filepath.Join(dir, "cur"))
	require.NoError(t, err)
	require.Len(t, files, 30)
	_, err = os.Stat(filepath.Join(dir, mailgen.StampName(7, 30)))
	require.NoError(t, err)
	var seenFlag int
	for _, f := range files {
		require.Contains(t, f.Name(), ":2,")
		if strings.HasSuffix(f.Name(), "S") {
			seenFlag++
		}
	}
	require.Positive(t, seenFlag)
}
