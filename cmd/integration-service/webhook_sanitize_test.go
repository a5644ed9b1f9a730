package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCustomInputSanitized: what a custom source sends is stored as the
// MIME parser stores mail: display names, the subject and the threading
// ids lose their line breaks and control characters (a name with CRLF
// must never become a header of a reply), and attachment file names
// lose any directory part. Before, they were stored as sent.
func TestCustomInputSanitized(t *testing.T) {
	t.Parallel()
	in := start(t, baseEnv())
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-sanitize")
	id, secret := ingressSource(t, c, tok)

	body, err := json.Marshal(map[string]any{
		"from":        map[string]any{"name": "Ann\r\nBcc: victim@example.org", "email": "ann@example.org"},
		"to":          []any{map[string]any{"name": "Help\tdesk\u0007", "email": "help@example.com"}},
		"cc":          []any{map[string]any{"name": "Carl\nX-Injected: 1", "email": "carl@example.com"}},
		"subject":     "Where is\r\nmy order?\u0000",
		"text":        "line 1\r\nline 2",
		"message_id":  "sanitize-1@example.org",
		"in_reply_to": []string{"earlier@example.org\r\nBcc: x@example.org"},
		"references":  []string{"first@example.org\n"},
		"attachments": []any{
			map[string]any{"filename": "../../etc/passwd", "content_type": "text/plain", "size": 10},
			map[string]any{"filename": `C:\Users\ann\invoice.pdf`, "content_type": "application/pdf\r\nX: y", "size": 20},
			map[string]any{"filename": "report\r\n.pdf", "content_type": "application/pdf", "size": 30},
		},
	})
	require.NoError(t, err)
	h := ingressSignature(t, secret, "msg_sanitize", body)
	r := c.do(t, call{method: http.MethodPost, path: "/webhooks/custom/" + id, raw: body, header: h})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var stored struct {
		ID string `json:"id"`
	}
	r.decode(t, &stored)

	r = c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/messages/" + stored.ID, token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var m struct {
		From, To, Cc []struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		}
		Subject     string   `json:"subject"`
		Text        string   `json:"text"`
		InReplyTo   []string `json:"in_reply_to"`
		References  []string `json:"references"`
		Attachments []struct {
			Filename    string `json:"filename"`
			ContentType string `json:"content_type"`
		} `json:"attachments"`
	}
	r.decode(t, &m)
	require.Equal(t, "Ann  Bcc: victim@example.org", m.From[0].Name)
	require.Equal(t, "Help desk", m.To[0].Name)
	require.Equal(t, "Carl X-Injected: 1", m.Cc[0].Name)
	require.Equal(t, "Where is  my order?", m.Subject)
	require.Equal(t, "line 1\nline 2", m.Text, "line ends as the MIME parser stores them")
	require.Equal(t, []string{"earlier@example.org  Bcc: x@example.org"}, m.InReplyTo)
	require.Equal(t, []string{"first@example.org"}, m.References)
	require.Len(t, m.Attachments, 3)
	require.Equal(t, "passwd", m.Attachments[0].Filename)
	require.Equal(t, "invoice.pdf", m.Attachments[1].Filename)
	require.Equal(t, "application/pdf  X: y", m.Attachments[1].ContentType)
	require.Equal(t, "report  .pdf", m.Attachments[2].Filename)
}
