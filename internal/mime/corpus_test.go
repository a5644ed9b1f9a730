package mime

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

// corpus holds the hand-written expectations for testdata/*.eml. Size is
// checked against the file's length separately.
var corpus = map[string]connector.Message{
	"subject-utf8-b.eml": {
		MessageID: "utf8-b@example.com",
		From:      []connector.Address{{Name: "Alice Example", Email: "alice@example.com"}},
		To:        []connector.Address{{Name: "Bob", Email: "bob@example.org"}},
		Subject:   "Grüße aus Köln ☕",
		Date:      time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC),
		Text:      "Body.\n",
	},
	"subject-utf8-q.eml": {
		MessageID: "utf8-q@example.de",
		From:      []connector.Address{{Name: "Jürgen Müller", Email: "juergen@example.de"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Café au lait et crème brûlée",
		Date:      time.Date(2024, 1, 3, 13, 15, 0, 0, time.UTC),
		Text:      "Hi.\n",
	},
	"subject-iso-8859-1.eml": {
		MessageID: "latin1@example.fr",
		From:      []connector.Address{{Name: "Claire", Email: "claire@example.fr"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Café crème à la française",
		Date:      time.Date(2024, 1, 4, 11, 0, 0, 0, time.UTC),
		Text:      "Voilà, ça marche.\n",
	},
	"subject-iso-2022-jp.eml": {
		MessageID: "iso2022jp@example.jp",
		From:      []connector.Address{{Name: "Taro", Email: "taro@example.jp"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "こんにちは世界",
		Date:      time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC),
		Text:      "お元気ですか。\n",
	},
	"subject-shift-jis.eml": {
		MessageID: "sjis@example.jp",
		From:      []connector.Address{{Name: "Hanako", Email: "hanako@example.jp"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "日本語の件名",
		Date:      time.Date(2024, 1, 6, 0, 0, 0, 0, time.UTC),
		Text:      "テスト本文です。\n",
	},
	"subject-koi8-r.eml": {
		MessageID: "koi8r@example.ru",
		From:      []connector.Address{{Name: "Ivan", Email: "ivan@example.ru"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Привет, мир",
		Date:      time.Date(2024, 1, 7, 15, 30, 0, 0, time.UTC),
		Text:      "Съешь же ещё этих мягких французских булок, да выпей чаю.\n",
	},
	"subject-windows-1252.eml": {
		MessageID: "cp1252@example.com",
		From:      []connector.Address{{Name: "Shop", Email: "shop@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "“Smart quotes” and €uro",
		Date:      time.Date(2024, 1, 8, 10, 0, 0, 0, time.UTC),
		Text:      "Price: 5 € – “ok”\n",
	},
	"unknown-charset.eml": {
		MessageID: "unknown-charset@example.com",
		From:      []connector.Address{{Name: "Weird", Email: "weird@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Hello W\uFFFDrld",
		Date:      time.Date(2024, 1, 9, 10, 0, 0, 0, time.UTC),
		Text:      "Gr\uFFFDe and valid ünïcode\n",
		Problems: []string{
			`Subject: unknown charset "x-unknown-42"`,
			`part 1: unknown charset "x-unknown-42"`,
			`part 1: invalid UTF-8 or NUL bytes replaced`,
		},
	},
	"missing-date.eml": {
		MessageID: "nodate@example.com",
		From:      []connector.Address{{Email: "nodate@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "No date here",
		Text:      "No Date header at all.\n",
	},
	"date-unparsable.eml": {
		MessageID: "baddate@example.com",
		From:      []connector.Address{{Email: "baddate@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Bad date",
		Text:      "The Date header cannot be read.\n",
		Problems:  []string{`Date: cannot parse "someday soon"`},
	},
	"alternative-attachments.eml": {
		MessageID: "report-2024-01@example.com",
		From:      []connector.Address{{Name: "Reports", Email: "reports@example.com"}},
		To:        []connector.Address{{Name: "Bob", Email: "bob@example.org"}, {Email: "carol@example.org"}},
		Cc:        []connector.Address{{Name: "Dave, the Boss", Email: "dave@example.org"}},
		Subject:   "Monthly report",
		Date:      time.Date(2024, 1, 10, 7, 0, 0, 0, time.UTC),
		Text:      "Please find the report attached.\n",
		HTML:      "<p>Please find the <b>report</b> attached.</p>\n",
		Attachments: []connector.Attachment{
			{ID: "2", Filename: "report.pdf", ContentType: "application/pdf", Size: 13, Content: []byte("%PDF-1.4 fake")},
			{ID: "3", Filename: "data.csv", ContentType: "text/csv", Size: 8, Content: []byte("a,b\r\n1,2")},
		},
	},
	"inline-image.eml": {
		MessageID: "inline@example.com",
		From:      []connector.Address{{Name: "News", Email: "news@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Inline images",
		Date:      time.Date(2024, 1, 11, 7, 0, 0, 0, time.UTC),
		HTML:      `<img src="cid:logo123@example.com"><img src="cid:pic">`,
		Attachments: []connector.Attachment{
			{ID: "2", ContentType: "image/png", ContentID: "logo123@example.com", Inline: true, Size: 12,
				Content: []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, '\r'}},
			{ID: "3", Filename: "pic.gif", ContentType: "image/gif", ContentID: "pic", Inline: true, Size: 10,
				Content: []byte("GIF89a\x01\x00\x01\x00")},
		},
	},
	"nested-rfc822.eml": {
		MessageID: "fwd@example.com",
		From:      []connector.Address{{Name: "Alice", Email: "alice@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Fwd: Original subject",
		Date:      time.Date(2024, 1, 12, 7, 0, 0, 0, time.UTC),
		Text:      "See the forwarded message.",
		Attachments: []connector.Attachment{
			{ID: "2", Filename: "Original subject.eml", ContentType: "message/rfc822",
				Size: int64(len(forwardedMessage)), Content: []byte(forwardedMessage)},
			{ID: "2.2", Filename: "inner.bin", ContentType: "application/octet-stream", Size: 6, Content: []byte("BINARY")},
		},
	},
	"broken-boundary.eml": {
		MessageID: "trunc@example.com",
		From:      []connector.Address{{Name: "Truncated", Email: "trunc@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Cut off",
		Date:      time.Date(2024, 1, 13, 7, 0, 0, 0, time.UTC),
		Text:      "First part survives.",
		Attachments: []connector.Attachment{
			{ID: "2", Filename: "big.bin", ContentType: "application/octet-stream", Size: 13, Content: []byte("Hello, world!")},
		},
		Problems: []string{"message: no closing boundary, message may be truncated"},
	},
	"missing-boundary.eml": {
		MessageID: "nob@example.com",
		From:      []connector.Address{{Email: "nob@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Boundary never used",
		Date:      time.Date(2024, 1, 14, 7, 0, 0, 0, time.UTC),
		Text:      "Just some text where parts should be.\n",
		Problems:  []string{"message: multipart/mixed without its boundary, read as text"},
	},
	"8bit-headers-utf8.eml": {
		MessageID: "8bit-utf8@example.de",
		From:      []connector.Address{{Name: "Jürgen Müller", Email: "jm@example.de"}},
		To:        []connector.Address{{Name: "Zoë", Email: "zoe@example.org"}},
		Subject:   "Ünïcödé sübject – ok",
		Date:      time.Date(2024, 1, 15, 6, 0, 0, 0, time.UTC),
		Text:      "Grüße ohne Content-Type.\n",
	},
	"8bit-headers-latin1.eml": {
		MessageID: "8bit-latin1@example.fr",
		From:      []connector.Address{{Name: "François", Email: "francois@example.fr"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Café crème",
		Date:      time.Date(2024, 1, 16, 6, 0, 0, 0, time.UTC),
		Text:      "déjà vu\n",
		Problems: []string{
			"From: 8-bit bytes that are not UTF-8, read as windows-1252",
			"Subject: 8-bit bytes that are not UTF-8, read as windows-1252",
			"part 1: 8-bit text without a charset, read as windows-1252",
		},
	},
	"rfc2231-filenames.eml": {
		MessageID: "files@example.com",
		From:      []connector.Address{{Email: "files@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "File names",
		Date:      time.Date(2024, 1, 17, 7, 0, 0, 0, time.UTC),
		Text:      "Six files.",
		Attachments: []connector.Attachment{
			{ID: "2", Filename: "résumé final.pdf", ContentType: "application/pdf", Size: 3, Content: []byte("one")},
			{ID: "3", Filename: "日本語.txt", ContentType: "text/plain", Size: 3, Content: []byte("two")},
			{ID: "4", Filename: "résumé.doc", ContentType: "application/msword", Size: 5, Content: []byte("three")},
			{ID: "5", Filename: "Привет.txt", ContentType: "application/octet-stream", Size: 4, Content: []byte("four")},
			{ID: "6", Filename: "my report 2024.xlsx", ContentType: "application/vnd.ms-excel", Size: 4, Content: []byte("five")},
			{ID: "7", Filename: "notes.txt", ContentType: "text/plain", Size: 3, Content: []byte("six")},
		},
	},
	"quoted-printable.eml": {
		MessageID: "qp@example.com",
		From:      []connector.Address{{Email: "qp@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Quoted-printable",
		Date:      time.Date(2024, 1, 18, 7, 0, 0, 0, time.UTC),
		Text: "A long line that is wrapped with a soft line break right here and continues. " +
			"Equals: =, accent: café, lower hex: é.\nTrailing spaces above are dropped.\n",
	},
	"base64-body.eml": {
		MessageID: "b64@example.com",
		From:      []connector.Address{{Email: "b64@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Base64 HTML",
		Date:      time.Date(2024, 1, 19, 7, 0, 0, 0, time.UTC),
		HTML:      "<html><body><p>Héllo from base64</p></body></html>\n",
	},
	"crlf.eml": {
		MessageID: "crlf@example.com",
		From:      []connector.Address{{Name: "Line Ends", Email: "le@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Line endings",
		Date:      time.Date(2024, 1, 20, 7, 0, 0, 0, time.UTC),
		Text:      "Line one\nLine two\n",
	},
	"bare-lf.eml": {
		MessageID: "bare-lf@example.com",
		From:      []connector.Address{{Name: "Line Ends", Email: "le@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Line endings",
		Date:      time.Date(2024, 1, 20, 7, 0, 0, 0, time.UTC),
		Text:      "Line one\nLine two\n",
	},
	"no-body.eml": {
		MessageID: "nobody@example.com",
		From:      []connector.Address{{Email: "empty@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Headers only",
		Date:      time.Date(2024, 1, 21, 7, 0, 0, 0, time.UTC),
	},
	"malformed-addresses.eml": {
		MessageID: "addr@example.com",
		From:      []connector.Address{{Name: "José", Email: "jose@example.com"}},
		To:        []connector.Address{{Name: "Doe, John", Email: "john@example.com"}, {Name: "Jane Roe", Email: "jane@example.com"}},
		ReplyTo:   []connector.Address{{Email: "support@example.com"}},
		Subject:   "Addresses",
		Date:      time.Date(2024, 1, 22, 7, 0, 0, 0, time.UTC),
		Text:      "Body.\n",
		Problems: []string{
			"To: malformed address list, read leniently",
			`To: dropped "MAILER-DAEMON"`,
			"Reply-To: malformed address list, read leniently",
		},
	},
	"split-text.eml": {
		MessageID: "split@example.com",
		From:      []connector.Address{{Email: "mac@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "Text around an image",
		Date:      time.Date(2024, 1, 23, 7, 0, 0, 0, time.UTC),
		Text:      "Before the image\nAfter the image",
		Attachments: []connector.Attachment{
			{ID: "2", Filename: "photo.jpg", ContentType: "image/jpeg", Inline: true, Size: 8, Content: []byte("\xff\xd8\xff\xe0JFIF")},
		},
	},
	"header-oddities.eml": {
		MessageID:  "no-brackets@example.com",
		InReplyTo:  []string{"parent@example.com"},
		References: []string{"a@example.com", "b@example.com", "parent@example.com"},
		From:       []connector.Address{{Email: "list@example.com"}},
		To:         []connector.Address{{Email: "bob@example.org"}},
		Subject:    "Still parsed",
		Date:       time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC),
		Text:       "Body.\n",
		Headers: connector.Header{
			"List-Id":        {"My List <list.example.com>"},
			"Auto-Submitted": {"auto-replied"},
		},
		Automated: connector.Automated{
			Kind:    connector.AutomatedAutoReply,
			Reasons: []string{"Auto-Submitted: auto-replied", "List-Id: My List <list.example.com>"},
			List:    &connector.MailingList{ID: "list.example.com"},
		},
		Problems: []string{"header: skipped 1 line(s) that are not header fields"},
	},
	"nul-bytes.eml": {
		MessageID: "nul@example.com",
		From:      []connector.Address{{Email: "nul@example.com"}},
		To:        []connector.Address{{Email: "bob@example.org"}},
		Subject:   "NUL  in subject",
		Date:      time.Date(2024, 1, 24, 7, 0, 0, 0, time.UTC),
		Text:      "ab \uFFFD end\n",
		Problems:  []string{"part 1: invalid UTF-8 or NUL bytes replaced"},
	},
}

// forwardedMessage is the message attached in nested-rfc822.eml, as its
// part holds it (the line break before the closing boundary belongs to the
// boundary).
const forwardedMessage = "From: Original Sender <orig@example.net>\r\n" +
	"To: alice@example.com\r\n" +
	"Subject: Original subject\r\n" +
	"Date: Mon, 01 Jan 2024 09:00:00 +0000\r\n" +
	"Message-ID: <orig@example.net>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"inner\"\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain\r\n" +
	"\r\n" +
	"Inner text must not leak.\r\n" +
	"--inner\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"Content-Disposition: attachment; filename=\"inner.bin\"\r\n" +
	"\r\n" +
	"BINARY\r\n" +
	"--inner--"

func TestParseCorpus(t *testing.T) {
	t.Parallel()
	for name, want := range corpus {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join("testdata", name))
			require.NoError(t, err)
			got, err := Parse(raw, ParseOptions{})
			require.NoError(t, err)
			want.Size = int64(len(raw))
			requireMessage(t, &want, got)
		})
	}
}

// TestCorpusCovered makes sure every testdata file has expectations.
func TestCorpusCovered(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := filepath.Base(f)
		_, inCorpus := corpus[name]
		require.True(t, inCorpus || name == rfc3501File, "%s has no expectations", name)
	}
}

// requireMessage compares two messages, the dates as instants.
func requireMessage(t *testing.T, want, got *connector.Message) {
	t.Helper()
	require.True(t, want.Date.Equal(got.Date), "Date: want %v, got %v", want.Date, got.Date)
	w, g := *want, *got
	w.Date, g.Date = time.Time{}, time.Time{}
	if w.Automated.IsZero() {
		// Most of the corpus is people's mail: an expectation names
		// the classification only when it is something else.
		w.Automated = connector.Automated{Kind: connector.AutomatedHuman}
	}
	require.Equal(t, w, g)
}
