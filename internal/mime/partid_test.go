package mime

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const rfc3501File = "rfc3501-structure.eml"

// TestPartIDsRFC3501 parses the structure of the example in RFC 3501
// §6.4.5, every leaf made an attachment so that it shows, and checks the
// part numbers the RFC gives:
//
//	1       TEXT/PLAIN
//	2       APPLICATION/OCTET-STREAM
//	3       MESSAGE/RFC822
//	3.1     TEXT/PLAIN
//	3.2     APPLICATION/OCTET-STREAM
//	4       MULTIPART/MIXED
//	4.1     IMAGE/GIF
//	4.2     MESSAGE/RFC822
//	4.2.1   TEXT/PLAIN
//	4.2.2   MULTIPART/ALTERNATIVE
//	4.2.2.1 TEXT/PLAIN
//	4.2.2.2 TEXT/RICHTEXT
func TestPartIDsRFC3501(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", rfc3501File))
	require.NoError(t, err)
	m, err := Parse(raw, ParseOptions{})
	require.NoError(t, err)
	require.Empty(t, m.Problems)
	require.Empty(t, m.Text)

	type part struct{ id, contentType, filename, content string }
	want := []part{
		{"1", "text/plain", "p1.txt", "part 1"},
		{"2", "application/octet-stream", "p2.bin", "part 2"},
		{"3", "message/rfc822", "Message 3.eml", ""},
		{"3.1", "text/plain", "p3-1.txt", "part 3.1"},
		{"3.2", "application/octet-stream", "p3-2.bin", "part 3.2"},
		{"4.1", "image/gif", "p4-1.gif", "part 4.1"},
		{"4.2", "message/rfc822", "Message 4.2.eml", ""},
		{"4.2.1", "text/plain", "p4-2-1.txt", "part 4.2.1"},
		{"4.2.2.1", "text/plain", "p4-2-2-1.txt", "part 4.2.2.1"},
		{"4.2.2.2", "text/richtext", "p4-2-2-2.rtx", "part 4.2.2.2"},
	}
	got := make([]part, len(m.Attachments))
	for i, a := range m.Attachments {
		got[i] = part{a.ID, a.ContentType, a.Filename, string(a.Content)}
		if a.ContentType == "message/rfc822" {
			got[i].content = ""
		}
	}
	require.Equal(t, want, got)
}

// TestPartIDsSinglePart checks RFC 3501's "a message that is not
// multipart has its body as part 1", also inside an attached message.
func TestPartIDsSinglePart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		raw  string
		ids  []string
	}{
		{
			name: "top-level attachment",
			raw:  "From: a@example.com\r\nContent-Type: application/pdf\r\n\r\n%PDF",
			ids:  []string{"1"},
		},
		{
			name: "attached single-part message",
			raw: "From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\n" +
				"From: b@example.com\r\nContent-Type: image/png\r\n\r\nPNG",
			ids: []string{"1", "1.1"},
		},
		{
			name: "multipart in multipart",
			raw: "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" +
				"--a\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
				"--b\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b--\r\n" +
				"--a\r\nContent-Type: image/gif\r\n\r\nGIF\r\n--a--\r\n",
			ids: []string{"1.1", "2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse([]byte(tc.raw), ParseOptions{})
			require.NoError(t, err)
			var ids []string
			for _, a := range m.Attachments {
				ids = append(ids, a.ID)
			}
			require.Equal(t, tc.ids, ids)
		})
	}
}
