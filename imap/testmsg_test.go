package imap

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// testMessage returns a small message with Message-ID <id@example.test>.
func testMessage(id string) []byte {
	return testMessageWith(id, "Subject "+id, "Hello "+id)
}

func testMessageWith(id, subject, body string) []byte {
	return []byte(strings.Join([]string{
		"Message-ID: <" + id + "@example.test>",
		"Date: Mon, 02 Jan 2023 10:00:00 +0000",
		"From: Alice <alice@example.test>",
		"To: Support <support@example.test>",
		"Subject: " + subject,
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"",
		body,
		"",
	}, "\r\n"))
}

// attachmentMessage returns a multipart message: text, HTML alternative
// and a base64 attachment (part 2), plus an attached message (part 3)
// with an attachment of its own (part 3.2).
func attachmentMessage(id string, content []byte) []byte {
	enc := base64Lines(content)
	return []byte(strings.ReplaceAll(fmt.Sprintf(`Message-ID: <%[1]s@example.test>
Date: Mon, 02 Jan 2023 10:00:00 +0000
From: Alice <alice@example.test>
To: Support <support@example.test>
Subject: With attachments
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

See attached.
--alt
Content-Type: text/html; charset=utf-8

<p>See attached.</p>
--alt--
--outer
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

%[2]s
--outer
Content-Type: message/rfc822

Message-ID: <inner-%[1]s@example.test>
From: Bob <bob@example.test>
Subject: Forwarded
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain

Inner text.
--inner
Content-Type: text/csv; name="data.csv"
Content-Disposition: attachment; filename="data.csv"
Content-Transfer-Encoding: quoted-printable

a,b,c
1,2,3=3D4
--inner--
--outer--
`, id, enc), "\n", "\r\n"))
}

func base64Lines(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	out.WriteString(s)
	return out.String()
}
