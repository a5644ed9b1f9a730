package mime

import (
	"strings"
	"testing"

	"github.com/ucsp/integration/connector"
)

// benchMessages are typical mailbox messages: a short plain reply with a
// realistic header, an HTML newsletter (multipart/alternative) and a
// message with a 200 KB PDF and an inline logo.
func benchMessages(b *testing.B) [][]byte {
	b.Helper()
	received := strings.Repeat("Received: from mail.example.net (mail.example.net [192.0.2.1])\r\n"+
		"\tby mx.example.com with ESMTPS id abc123\r\n\tfor <bob@example.com>; Tue, 02 Jan 2024 10:00:00 +0000\r\n", 6) +
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=s1; h=from:to:subject:date;\r\n" +
		"\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=" + strings.Repeat("A", 340) + "\r\n" +
		"List-Unsubscribe: <mailto:unsub@example.net>\r\n"
	pdf := make([]byte, 200_000)
	for i := range pdf {
		pdf[i] = byte(i * 7)
	}
	msgs := []connector.OutboundMessage{
		{
			MessageID: "reply@example.net", From: connector.Address{Name: "Kunde", Email: "kunde@example.net"},
			To: []connector.Address{{Name: "Support", Email: "support@example.com"}}, Subject: "Re: Ticket #4711 – Rückfrage",
			InReplyTo: "t4711@example.com", References: []string{"t4711@example.com"},
			Text: strings.Repeat("Danke für die schnelle Antwort, das hat geholfen.\n", 20),
		},
		{
			MessageID: "news@example.net", From: connector.Address{Name: "Newsletter", Email: "news@example.net"},
			To: []connector.Address{{Email: "bob@example.com"}}, Subject: "Our January news",
			Text: strings.Repeat("Read the news in your browser. ", 200),
			HTML: strings.Repeat(`<tr><td style="padding:8px;font-family:Arial">News item with a <a href="https://example.net/x">link</a></td></tr>`, 200),
		},
		{
			MessageID: "invoice@example.net", From: connector.Address{Name: "Billing", Email: "billing@example.net"},
			To: []connector.Address{{Email: "bob@example.com"}}, Subject: "Invoice 2024-001",
			Text: "Please find the invoice attached.\n", HTML: `<p>Please find the invoice attached.</p><img src="cid:logo">`,
			Attachments: []connector.OutboundAttachment{
				{Filename: "invoice.pdf", ContentType: "application/pdf", Content: pdf},
				{Filename: "logo.png", ContentType: "image/png", ContentID: "logo", Content: pdf[:4000]},
			},
		},
	}
	out := make([][]byte, len(msgs))
	for i := range msgs {
		raw, err := Render(&msgs[i], BuildOptions{})
		if err != nil {
			b.Fatal(err)
		}
		out[i] = append([]byte(received), raw...)
	}
	return out
}

func BenchmarkParse(b *testing.B) {
	msgs := benchMessages(b)
	names := []string{"reply", "newsletter", "attachment"}
	for i, raw := range msgs {
		b.Run(names[i], func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(raw, ParseOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

func BenchmarkRender(b *testing.B) {
	m := &connector.OutboundMessage{
		MessageID: "r@example.com", From: connector.Address{Name: "Support", Email: "support@example.com"},
		To: []connector.Address{{Name: "Kunde", Email: "kunde@example.net"}}, Subject: "Re: Ticket #4711 – Antwort",
		Text: strings.Repeat("Vielen Dank für Ihre Nachricht.\n", 30), HTML: strings.Repeat("<p>Vielen Dank für Ihre Nachricht.</p>", 30),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(m, BuildOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
