package smtp_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/smtp"
)

// mailpit reads what a real Mailpit received, through its HTTP API. The
// sink is shared with other packages' tests: messages are found by
// their unique Message-ID and never deleted.
type mailpit struct {
	api string
	hc  *http.Client
}

// mailpitAddress is an address in Mailpit's JSON.
type mailpitAddress struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// mailpitSummary is a message in Mailpit's search results.
type mailpitSummary struct {
	ID          string           `json:"ID"`
	MessageID   string           `json:"MessageID"`
	Subject     string           `json:"Subject"`
	From        mailpitAddress   `json:"From"`
	To          []mailpitAddress `json:"To"`
	Cc          []mailpitAddress `json:"Cc"`
	Bcc         []mailpitAddress `json:"Bcc"`
	Attachments int              `json:"Attachments"`
}

func newMailpitSender(t *testing.T) (*smtp.Sender, *mailpit) {
	t.Helper()
	addr, api := testenv.SMTP(t)
	host, port := hostPort(t, addr)
	// Mailpit here speaks neither TLS nor AUTH: plaintext is chosen
	// explicitly.
	s := newSender(t, smtp.Config{Host: host, Port: port, Security: smtp.SecurityNone, HELO: "smtp-test.local"})
	return s, &mailpit{api: api, hc: &http.Client{Timeout: 10 * time.Second}}
}

func (m *mailpit) get(t *testing.T, path string, query url.Values) []byte {
	t.Helper()
	u := m.api + path
	if query != nil {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	require.NoError(t, err)
	resp, err := m.hc.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", u, body)
	return body
}

// find waits until the message with Message-ID id is stored, and
// returns its summary.
func (m *mailpit) find(t *testing.T, id string) mailpitSummary {
	t.Helper()
	var found []mailpitSummary
	require.Eventually(t, func() bool {
		var res struct {
			Messages []mailpitSummary `json:"messages"`
		}
		body := m.get(t, "/api/v1/search", url.Values{"query": {fmt.Sprintf("message-id:%q", id)}})
		require.NoError(t, json.Unmarshal(body, &res))
		found = res.Messages
		return len(found) > 0
	}, 10*time.Second, 25*time.Millisecond, "Mailpit has no message %s", id)
	require.Len(t, found, 1, "Message-ID %s stored more than once", id)
	require.Equal(t, id, found[0].MessageID)
	return found[0]
}

func (m *mailpit) raw(t *testing.T, mailpitID string) []byte {
	t.Helper()
	return m.get(t, "/api/v1/message/"+url.PathEscape(mailpitID)+"/raw", nil)
}

func TestMailpitReply(t *testing.T) {
	t.Parallel()
	s, mp := newMailpitSender(t)
	out := reply(t)

	res, err := s.Send(t.Context(), out)
	require.NoError(t, err)
	require.Equal(t, out.MessageID, res.MessageID)
	require.NotEmpty(t, res.Response)

	sum := mp.find(t, out.MessageID)
	require.Equal(t, out.Subject, sum.Subject, "Mailpit decodes the RFC 2047 subject")
	require.Equal(t, mailpitAddress{out.From.Name, out.From.Email}, sum.From)
	require.Equal(t, []mailpitAddress{{out.To[0].Name, out.To[0].Email}}, sum.To)
	require.Equal(t, []mailpitAddress{{out.Cc[0].Name, out.Cc[0].Email}}, sum.Cc)
	// Mailpit lists envelope recipients absent from the headers as Bcc:
	// the Bcc address got a RCPT TO.
	require.Len(t, sum.Bcc, 1)
	require.Equal(t, out.Bcc[0].Email, sum.Bcc[0].Address)
	require.Equal(t, 1, sum.Attachments, "one attachment besides the inline image")

	trace, sent := splitMailpitTrace(mp.raw(t, sum.ID))
	require.Contains(t, trace, "Bcc: "+out.Bcc[0].Email+"\r\n", "Mailpit records the envelope-only recipient")
	hdr := unfold(headerBlock(sent))
	require.NotContains(t, hdr, "\r\nBcc:", "no Bcc header may be sent")
	require.Contains(t, hdr, "\r\nIn-Reply-To: <"+out.InReplyTo+">\r\n")
	require.Contains(t, hdr, "\r\nReferences: <"+out.References[0]+"> <"+out.References[1]+">\r\n")
	require.Contains(t, hdr, "\r\nMessage-ID: <"+out.MessageID+">\r\n")
	require.Contains(t, hdr, "\r\nSubject: =?UTF-8?", "a non-ASCII subject is RFC 2047-encoded")
	requireSameMessage(t, out, sent)
}

func TestMailpitSendMany(t *testing.T) {
	t.Parallel()
	s, mp := newMailpitSender(t)
	msgs := batch(t, 5)
	msgs[2] = reply(t)
	msgs[3].To = []connector.Address{{Name: "Ünïcödé Nàmé", Email: "unicode@example.org"}}
	results, errs := s.SendMany(t.Context(), msgs)
	for i, m := range msgs {
		require.NoError(t, errs[i])
		require.Equal(t, m.MessageID, results[i].MessageID)
		_, sent := splitMailpitTrace(mp.raw(t, mp.find(t, m.MessageID).ID))
		requireSameMessage(t, m, sent)
	}
}

// splitMailpitTrace splits the header fields Mailpit puts before a
// message it stores (Bcc for envelope-only recipients, Return-Path,
// Received) from the message as it was sent.
func splitMailpitTrace(raw []byte) (trace string, sent []byte) {
	rest := string(raw)
	for {
		name, _, ok := strings.Cut(rest, ":")
		if !ok || !slices.Contains([]string{"bcc", "return-path", "received"}, strings.ToLower(name)) {
			return trace, []byte(rest)
		}
		// The field and its continuation lines.
		end := 0
		for {
			i := strings.Index(rest[end:], "\r\n")
			if i < 0 {
				return trace, []byte(rest)
			}
			end += i + 2
			if end >= len(rest) || (rest[end] != ' ' && rest[end] != '\t') {
				break
			}
		}
		trace += rest[:end]
		rest = rest[end:]
	}
}

// unfold joins folded header lines.
func unfold(h string) string {
	return strings.NewReplacer("\r\n ", " ", "\r\n\t", " ").Replace(h)
}
