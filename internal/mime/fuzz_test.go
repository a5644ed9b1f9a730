package mime

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ucsp/integration/connector"
)

// FuzzParse checks that Parse never panics and keeps its promises on any
// input: an error only as ErrNoHeader; otherwise every string valid UTF-8
// without NUL, attachment ids unique, Size the input's length, and the
// message JSON-encodable.
//
//	go test ./internal/mime -run '^$' -fuzz=FuzzParse -fuzztime=60s
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	for _, s := range []string{
		"",
		"\n",
		"Subject: x",
		"Subject: =?utf-8?q?=00?=\r\n\r\n\x00",
		"From: =?x-bogus?b?////?= <a@b>\n\n",
		"Content-Type: multipart/mixed; boundary=a\n\n--a\n--a\n--a--",
		"Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=a\n\n--a\n",
		"Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n",
		"Content-Type: text/plain; charset*=''\nContent-Transfer-Encoding: base64\n\n=====",
		"Content-Type: application/x; name*0*=x'y'%; name*1=\"\\\"\n\n",
		"Date: Mon, 2 Jan 2006 15:04:05 +9999\n\n",
		"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n=\n=4=\r\n=ZZ",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, ParseOptions{MaxParts: 50, MaxDepth: 8})
		if err != nil {
			if !errors.Is(err, ErrNoHeader) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if m.Size != int64(len(raw)) {
			t.Fatalf("Size %d, want %d", m.Size, len(raw))
		}
		for _, s := range messageStrings(m) {
			if !utf8.ValidString(s) || strings.Contains(s, "\x00") {
				t.Fatalf("unclean string %q", s)
			}
		}
		seen := map[string]bool{}
		for _, a := range m.Attachments {
			if seen[a.ID] {
				t.Fatalf("duplicate attachment id %q", a.ID)
			}
			seen[a.ID] = true
			if a.Content != nil && int64(len(a.Content)) != a.Size {
				t.Fatalf("attachment %s: %d bytes of content, Size %d", a.ID, len(a.Content), a.Size)
			}
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("json: %v", err)
		}
	})
}

// messageStrings lists every string of m.
func messageStrings(m *connector.Message) []string {
	s := []string{m.ProviderID, m.ThreadID, m.MessageID, m.Subject, m.Text, m.HTML}
	s = append(s, m.InReplyTo...)
	s = append(s, m.References...)
	s = append(s, m.Folders...)
	s = append(s, m.Labels...)
	s = append(s, m.Flags...)
	s = append(s, m.Problems...)
	for _, list := range [][]connector.Address{m.From, m.To, m.Cc, m.Bcc, m.ReplyTo} {
		for _, a := range list {
			s = append(s, a.Name, a.Email)
		}
	}
	for _, a := range m.Attachments {
		s = append(s, a.ID, a.Filename, a.ContentType, a.ContentID)
	}
	for k, vs := range m.Headers {
		s = append(s, k)
		s = append(s, vs...)
	}
	return s
}
