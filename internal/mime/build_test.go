package mime

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

var fixedNow = func() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) }

func outbound() *connector.OutboundMessage {
	return &connector.OutboundMessage{
		MessageID: "out-1@example.com",
		From:      connector.Address{Name: "Support Team", Email: "support@example.com"},
		To:        []connector.Address{{Name: "Customer", Email: "customer@example.org"}},
		Bcc:       []connector.Address{{Name: "Hidden Ñame", Email: "audit@example.com"}},
		Subject:   "Re: Your ticket",
		Text:      "Hello\n",
	}
}

// headerBlock returns the header of a rendered message.
func headerOf(t *testing.T, raw []byte) string {
	t.Helper()
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	require.GreaterOrEqual(t, i, 0, "no end of header")
	return string(raw[:i+2])
}

func TestBuildReturnsValidationError(t *testing.T) {
	t.Parallel()
	m := outbound()
	m.From = connector.Address{}
	m.MessageID = "<bad id>"
	want := m.Validate()
	require.Error(t, want)

	_, err := Build(m, BuildOptions{})
	var v *connector.ValidationError
	require.ErrorAs(t, err, &v)
	require.Equal(t, want, err)
	require.ErrorIs(t, err, connector.ErrPermanent)

	_, err = Render(m, BuildOptions{})
	require.Equal(t, want, err)
}

func TestBuildRejectsOversized(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		size int
	}{
		// Larger than the limit before encoding: rejected before
		// rendering.
		{"raw over the limit", connector.MaxOutboundSize + 1},
		// Under the limit raw, over it once base64-encoded (4/3).
		{"encoded over the limit", 28_000_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := outbound()
			m.Attachments = []connector.OutboundAttachment{{Filename: "big.bin", Content: make([]byte, tc.size)}}
			for _, run := range []func() error{
				func() error { _, err := Build(m, BuildOptions{}); return err },
				func() error { _, err := Render(m, BuildOptions{}); return err },
			} {
				err := run()
				require.ErrorIs(t, err, connector.ErrPermanent)
				var v *connector.ValidationError
				require.False(t, errors.As(err, &v), "not a validation error")
				require.Contains(t, err.Error(), "36700160")
			}
		})
	}
}

func TestRenderBcc(t *testing.T) {
	t.Parallel()
	t.Run("left out by default (SMTP)", func(t *testing.T) {
		t.Parallel()
		m := outbound()
		raw, err := Render(m, BuildOptions{Now: fixedNow})
		require.NoError(t, err)
		require.NotContains(t, strings.ToLower(headerOf(t, raw)), "bcc:")
		require.NotContains(t, string(raw), "audit@example.com")
		p, err := Parse(raw, ParseOptions{})
		require.NoError(t, err)
		require.Empty(t, p.Bcc)

		// The SMTP client still gets the Bcc recipient for the envelope
		// (go-mail's RCPT TO form).
		msg, err := Build(m, BuildOptions{})
		require.NoError(t, err)
		rcpts, err := msg.GetRecipients()
		require.NoError(t, err)
		require.Equal(t, []string{"<customer@example.org>", "<audit@example.com>"}, rcpts)
	})
	t.Run("included for Gmail", func(t *testing.T) {
		t.Parallel()
		raw, err := Render(outbound(), BuildOptions{Now: fixedNow, IncludeBcc: true})
		require.NoError(t, err)
		require.Contains(t, headerOf(t, raw), "Bcc: =?utf-8?q?Hidden_=C3=91ame?= <audit@example.com>\r\n")
		p, err := Parse(raw, ParseOptions{})
		require.NoError(t, err)
		require.Equal(t, []connector.Address{{Name: "Hidden Ñame", Email: "audit@example.com"}}, p.Bcc)
	})
}

func TestRenderHeaders(t *testing.T) {
	t.Parallel()
	m := outbound()
	m.Subject = "Grüße"
	m.From.Name = "Jöhn"
	m.InReplyTo = "parent@example.org"
	m.References = []string{"root@example.org", "parent@example.org"}
	m.Headers = connector.Header{"X-Ticket": {"4711"}, "auto-submitted": {"auto-replied"}}
	raw, err := Render(m, BuildOptions{Now: fixedNow})
	require.NoError(t, err)
	h := headerOf(t, raw)
	for _, line := range []string{
		"Message-ID: <out-1@example.com>\r\n",
		"Date: Tue, 02 Jan 2024 03:04:05 +0000\r\n",
		"Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\n",
		"From: =?utf-8?q?J=C3=B6hn?= <support@example.com>\r\n",
		"To: \"Customer\" <customer@example.org>\r\n",
		"In-Reply-To: <parent@example.org>\r\n",
		"References: <root@example.org> <parent@example.org>\r\n",
		"X-Ticket: 4711\r\n",
		"Auto-Submitted: auto-replied\r\n",
		"MIME-Version: 1.0\r\n",
	} {
		require.Contains(t, h, line)
	}
	require.NotContains(t, h, "User-Agent")
	require.NotContains(t, h, "X-Mailer")
	require.NotRegexp(t, `[^\r]\n`, string(raw), "every line ends in CRLF")
}

func TestBuildWritesTheSameBytesAgain(t *testing.T) {
	t.Parallel()
	m := outbound()
	m.HTML = "<p>Hello</p>"
	m.Attachments = []connector.OutboundAttachment{{Filename: "a.txt", Content: []byte("a")}}
	msg, err := Build(m, BuildOptions{Now: fixedNow})
	require.NoError(t, err)
	var a, b bytes.Buffer
	_, err = msg.WriteTo(&a)
	require.NoError(t, err)
	_, err = msg.WriteTo(&b)
	require.NoError(t, err)
	require.Equal(t, a.String(), b.String())
}

func TestFormatParam(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, want string }{
		{"report.pdf", `filename="report.pdf"`},
		{`say "hi".txt`, `filename="say \"hi\".txt"`},
		{"résumé.pdf", "filename*=utf-8''r%C3%A9sum%C3%A9.pdf"},
		{
			strings.Repeat("a", 61),
			"filename*0*=utf-8''" + strings.Repeat("a", 60) + ";\r\n filename*1*=a",
		},
		{
			// The cut may not split %C3.
			strings.Repeat("a", 58) + "é",
			"filename*0*=utf-8''" + strings.Repeat("a", 58) + ";\r\n filename*1*=%C3%A9",
		},
	} {
		require.Equal(t, tc.want, formatParam("filename", tc.value), tc.value)
	}
}
