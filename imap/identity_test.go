package imap

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProviderIDIgnoresEverythingButIdentity(t *testing.T) {
	t.Parallel()
	raw := testMessage("a")
	id := providerID("INBOX", headerBlock(raw), int64(len(raw)))
	require.True(t, strings.HasPrefix(id, "INBOX/"))
	require.Len(t, id, len("INBOX/")+22)

	// The same header read alone (BODY[HEADER], with its blank line) or
	// with LF line ends gives the same id.
	hdr := raw[:strings.Index(string(raw), "\r\n\r\n")+4]
	require.Equal(t, id, providerID("INBOX", headerBlock(hdr), int64(len(raw))))
	lf := []byte(strings.ReplaceAll(string(raw), "\r\n", "\n"))
	require.Equal(t, id, providerID("INBOX", headerBlock(lf), int64(len(raw))))

	// Folding and header order do not matter; other headers do not either.
	folded := strings.Replace(string(raw), "Subject: Subject a", "Subject:\r\n  Subject\r\n\ta", 1)
	folded = "X-Spam-Score: 1.0\r\nReceived: from somewhere\r\n" + folded
	require.Equal(t, id, providerID("INBOX", headerBlock([]byte(folded)), int64(len(raw))))

	// What identifies a message does matter.
	for name, other := range map[string]string{
		"folder":     providerID("Archive", headerBlock(raw), int64(len(raw))),
		"size":       providerID("INBOX", headerBlock(raw), int64(len(raw))+1),
		"message-id": providerID("INBOX", headerBlock(testMessage("b")), int64(len(raw))),
		"subject":    providerID("INBOX", headerBlock(testMessageWith("a", "Other", "Hello a")), int64(len(raw))),
		"date":       providerID("INBOX", headerBlock([]byte(strings.Replace(string(raw), "10:00:00", "10:00:01", 1))), int64(len(raw))),
		"from":       providerID("INBOX", headerBlock([]byte(strings.Replace(string(raw), "Alice <", "Alicia <", 1))), int64(len(raw))),
	} {
		require.NotEqual(t, id, other, name)
	}
}

func TestProviderIDWithoutMessageIDUsesTheWholeHeader(t *testing.T) {
	t.Parallel()
	raw := []byte("Date: Mon, 02 Jan 2023 10:00:00 +0000\r\nFrom: cron@example.test\r\nSubject: report\r\n\r\nbody\r\n")
	id := providerID("INBOX", headerBlock(raw), int64(len(raw)))
	other := []byte("Date: Mon, 02 Jan 2023 10:00:00 +0000\r\nFrom: cron@example.test\r\nSubject: report\r\nX-Run: 2\r\n\r\nbody\r\n")
	require.NotEqual(t, id, providerID("INBOX", headerBlock(other), int64(len(raw))),
		"without a Message-ID any header difference tells messages apart")
	require.Equal(t, id, providerID("INBOX", headerBlock([]byte(strings.ReplaceAll(string(raw), "\r\n", "\n"))), int64(len(raw))))
	empty := []byte("Message-ID:   \r\nFrom: a@example.test\r\n\r\n")
	require.NotEmpty(t, providerID("INBOX", headerBlock(empty), 10))
}

func TestHeaderBlockAndValue(t *testing.T) {
	t.Parallel()
	raw := []byte("A: 1\r\nMessage-ID:\r\n <x@y>\r\nSubject: multi\r\n line\r\n\r\nMessage-ID: <body@not-header>\r\n")
	h := headerBlock(raw)
	require.Equal(t, "A: 1\r\nMessage-ID:\r\n <x@y>\r\nSubject: multi\r\n line\r\n", string(h))
	require.Equal(t, "<x@y>", string(headerValue(h, "message-id")))
	require.Equal(t, "multi line", string(headerValue(h, "Subject")))
	require.Nil(t, headerValue(h, "Date"))
	require.Equal(t, "1", string(headerValue(h, "a")))
	require.Equal(t, "no blank line", string(headerBlock([]byte("no blank line"))))
	require.Empty(t, headerBlock([]byte("\r\nbody")))
}

func TestProviderRefRoundTrip(t *testing.T) {
	t.Parallel()
	for _, folder := range []string{"INBOX", "Archive/2024", "Odd;UIDVALIDITY=1/;UID=2", "Ünïcode"} {
		ref := providerRef(folder, 1795649242, 42)
		f, v, u, ok := parseRef(ref)
		require.True(t, ok, ref)
		require.Equal(t, folder, f)
		require.EqualValues(t, 1795649242, v)
		require.EqualValues(t, 42, u)
	}
	require.Equal(t, "INBOX;UIDVALIDITY=7/;UID=9", providerRef("INBOX", 7, 9))
	for _, bad := range []string{"", "INBOX", ";UIDVALIDITY=1/;UID=2", "INBOX;UIDVALIDITY=x/;UID=2", "INBOX;UIDVALIDITY=1/;UID=0", "INBOX/abcdefghijklmnopqrstuv"} {
		_, _, _, ok := parseRef(bad)
		require.False(t, ok, bad)
	}
	f, d, ok := splitProviderID("Archive/2024/abcdefghijklmnopqrstuv")
	require.True(t, ok)
	require.Equal(t, "Archive/2024", f)
	require.Equal(t, "abcdefghijklmnopqrstuv", d)
	_, _, ok = splitProviderID("INBOX/short")
	require.False(t, ok)
}
