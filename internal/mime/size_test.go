package mime_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

func TestMinSizeIsALowerBoundOfTheRenderedSize(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]*connector.OutboundMessage{
		"text":         {Subject: "Hi", Text: "Hello"},
		"text+html":    {Subject: "Hi", Text: "Hello", HTML: "<p>Hello</p>"},
		"attachment":   {Subject: "Invoice", Text: "See attached.", Attachments: []connector.OutboundAttachment{{Filename: "a.bin", Content: bytes.Repeat([]byte{0xff, 0, 7}, 100_000)}}},
		"two":          {Subject: "x", Attachments: []connector.OutboundAttachment{{Filename: "a.txt", Content: []byte("a")}, {Filename: "b.pdf", Content: make([]byte, 77)}}},
		"non-ascii":    {Subject: "Réclamation", Text: "Zoë écrit: ça ne marche pas"},
		"empty bodies": {Subject: ""},
	} {
		m.MessageID = "id-1@example.com"
		m.From = connector.Address{Email: "support@example.com"}
		m.To = []connector.Address{{Email: "zoe@example.org"}}
		raw, err := mime.Render(m, mime.BuildOptions{})
		require.NoError(t, err, name)
		least := mime.MinSize(m)
		require.LessOrEqual(t, least, int64(len(raw)), name)
		var att int
		for _, a := range m.Attachments {
			att += len(a.Content)
		}
		require.GreaterOrEqual(t, least, int64(len(m.Text)+len(m.HTML)+att*4/3), "%s: base64 counted", name)
	}
}
