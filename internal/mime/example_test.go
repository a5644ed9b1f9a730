package mime_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

func ExampleParse() {
	raw := "From: =?utf-8?q?J=C3=BCrgen?= <j@example.de>\r\n" +
		"To: Doe, John <john@example.com>\r\n" +
		"Subject: =?ISO-8859-1?Q?Caf=E9?=\r\n" +
		"Date: Mon, 1 Jan 2024 12:00:00 +0100\r\n" +
		"Message-ID: <m1@example.de>\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n" +
		"\r\n" +
		"--b\r\n" +
		"Content-Type: text/plain; charset=x-unknown\r\n" +
		"\r\n" +
		"Hello\r\n" +
		"--b\r\n" +
		"Content-Type: application/pdf\r\n" +
		"Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n" +
		"\r\n" +
		"%PDF\r\n"
	m, err := mime.Parse([]byte(raw), mime.ParseOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(m.From[0].Name, m.To[0].Name, m.Subject, m.Date.UTC().Format(time.RFC3339))
	fmt.Printf("%q\n", m.Text)
	for _, a := range m.Attachments {
		fmt.Println(a.ID, a.Filename, a.ContentType, a.Size)
	}
	for _, p := range m.Problems {
		fmt.Println("problem:", p)
	}
	// Output:
	// Jürgen Doe, John Café 2024-01-01T11:00:00Z
	// "Hello"
	// 2 résumé.pdf application/pdf 6
	// problem: To: malformed address list, read leniently
	// problem: message: no closing boundary, message may be truncated
	// problem: part 1: unknown charset "x-unknown"
}

func ExampleRender() {
	m := &connector.OutboundMessage{
		MessageID: "reply-1@example.com",
		From:      connector.Address{Name: "Support", Email: "support@example.com"},
		To:        []connector.Address{{Email: "customer@example.org"}},
		Bcc:       []connector.Address{{Email: "audit@example.com"}},
		Subject:   "Re: Grüße",
		Text:      "Thanks!\n",
		InReplyTo: "q-1@example.org",
	}
	// Gmail reads the recipients from the raw message: keep Bcc.
	raw, err := mime.Render(m, mime.BuildOptions{
		IncludeBcc: true,
		Now:        func() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	fmt.Print(strings.ReplaceAll(string(raw), "\r\n", "\n"))
	// Output:
	// Bcc: <audit@example.com>
	// Date: Tue, 02 Jan 2024 03:04:05 +0000
	// In-Reply-To: <q-1@example.org>
	// MIME-Version: 1.0
	// Message-ID: <reply-1@example.com>
	// Subject: =?UTF-8?q?Re:_Gr=C3=BC=C3=9Fe?=
	// From: "Support" <support@example.com>
	// To: <customer@example.org>
	// Content-Transfer-Encoding: quoted-printable
	// Content-Type: text/plain; charset=UTF-8
	//
	// Thanks!
}
